#include "http/paywall.hpp"

#include "core/json_text.hpp"
#include "core/strings.hpp"
#include "http/paywall_accept.hpp"
#include "x402/base64.hpp"
#include "x402/money.hpp"
#include "x402/networks.hpp"

namespace x402gw::http {
namespace {

// Networks whose tokens are worth nothing: the page says so rather than let anyone think they pay.
bool is_testnet(const std::string& network) {
  for (std::string_view word : {"sepolia", "testnet", "devnet", "amoy", "fuji"})
    if (network.find(word) != std::string::npos) return true;
  return network == "stacks:2147483648";
}

std::string string_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// What the page's script can pay: EVM `exact` by an EIP-3009 authorization, whose EIP-712 domain
// the requirement names (Permit2 needs an approval transaction first: left to x402 clients).
bool browser_pays(const nlohmann::json& accept) {
  const nlohmann::json& extra = accept.contains("extra") ? accept["extra"] : nlohmann::json();
  const std::string method = extra.is_object() ? string_member(extra, "assetTransferMethod") : "";
  return string_member(accept, "scheme") == "exact" && string_member(accept, "network").starts_with("eip155:") &&
         extra.is_object() && !string_member(extra, "name").empty() && !string_member(extra, "version").empty() &&
         (method.empty() || method == "eip3009");
}

}  // namespace

bool wants_paywall(std::string_view method, std::span<const net::RequestHead::Field> request) {
  if (method != "GET" && method != "HEAD") return false;
  for (const char* payment : {"PAYMENT-SIGNATURE", "X-PAYMENT", "X-402-Payment-Proof", "X-Payment-Proof"}) {
    const bhttp::field id = bhttp::string_to_field(payment);
    for (const auto& f : request)
      if (net::RequestHead::matches(f, id, payment)) return false;
  }
  std::string accept;
  for (const auto& field : request) {
    if (field.id != bhttp::field::accept) continue;
    if (!accept.empty()) accept += ',';
    accept.append(field.value);
  }
  return prefers_html(accept);
}

PaywallView paywall_view(const config::Config& config, const config::Route& route, const nlohmann::json& payment_required) {
  PaywallView view;
  view.app_name = route.paywall.app_name.empty() ? config.name : route.paywall.app_name;
  view.app_logo = route.paywall.app_logo;
  view.description = route.description;
  if (auto it = payment_required.find("resource"); it != payment_required.end() && it->is_object())
    view.resource_url = string_member(*it, "url");
  nlohmann::json offers = nlohmann::json::array();
  if (auto accepts = payment_required.find("accepts"); accepts != payment_required.end() && accepts->is_array()) {
    for (const nlohmann::json& accept : *accepts) {
      PaywallOffer offer;
      const std::string network = string_member(accept, "network"), asset = string_member(accept, "asset"),
                        amount = string_member(accept, "amount");
      // The route's own requirement gives the human units; the wire form has atomic ones only.
      const x402::Requirement* requirement = nullptr;
      for (const auto& r : route.requirements)
        if (r.network == network && core::iequals(r.asset, asset) && r.amount == amount) requirement = &r;
      offer.network = requirement && !requirement->v1_network.empty() ? requirement->v1_network : network;
      offer.asset = asset;
      const int decimals = requirement ? requirement->decimals : 0;
      const std::string symbol = requirement && !requirement->asset_symbol.empty() ? requirement->asset_symbol : "units";
      offer.price = x402::format_units(amount, decimals) + " " + symbol;
      offer.browser_pays = browser_pays(accept);
      if (route.paywall.testnet_banner && is_testnet(offer.network)) view.testnet = true;
      offers.push_back({{"network", offer.network}, {"price", offer.price}, {"symbol", symbol}, {"decimals", decimals},
                        {"browserPays", offer.browser_pays}});
      view.offers.push_back(std::move(offer));
    }
  }
  view.data_json = core::json_text({{"paymentRequired", payment_required}, {"offers", std::move(offers)}});
  return view;
}

void offer_paywall(routing::RequestContext& ctx, std::span<const net::RequestHead::Field> request, core::Reply& reply) {
  auto* challenge = std::get_if<core::ChallengeReply>(&reply);
  const config::Route* route = ctx.route();
  if (!challenge || challenge->error != "payment_required" || !route || !route->priced || !route->paywall.enabled) return;
  if (!wants_paywall(ctx.record.method, request)) return;
  const std::optional<std::string> decoded = x402::base64_decode(challenge->header_value);
  if (!decoded) return;
  const nlohmann::json payment_required = nlohmann::json::parse(*decoded, nullptr, false);
  if (payment_required.is_discarded()) return;
  challenge->page = render_paywall_page(paywall_view(ctx.config, *route, payment_required), route->paywall.template_text.get());
  challenge->headers.emplace_back("Content-Security-Policy", paywall_csp());
  challenge->headers.emplace_back("X-Content-Type-Options", "nosniff");
  challenge->headers.emplace_back("Referrer-Policy", "no-referrer");
  challenge->headers.emplace_back("X-Frame-Options", "DENY");
  challenge->headers.emplace_back("Vary", "Accept");
  ctx.record.paywall = true;
}

}  // namespace x402gw::http
