// When the 402 becomes the paywall page, what the page says about the route, and how the one
// renderer sends it (status and PAYMENT-REQUIRED as for any 402).
#include "http/paywall.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "config/loader.hpp"
#include "http/replies.hpp"
#include "x402/base64.hpp"
#include "x402/challenge.hpp"
#include "core/json_text.hpp"

using namespace x402gw;
namespace bhttp = boost::beast::http;

namespace {

const char* kBrowser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

// Fields as the request head holds them: views (into strings kept for the test's life).
std::vector<net::RequestHead::Field> request_with(std::initializer_list<std::pair<std::string, std::string>> headers) {
  static std::deque<std::string> kept;
  std::vector<net::RequestHead::Field> f;
  for (const auto& [name, value] : headers) {
    const std::string_view n = kept.emplace_back(name), v = kept.emplace_back(value);
    f.push_back(net::RequestHead::Field{bhttp::string_to_field(n), n, v});
  }
  return f;
}

config::ConfigPtr load(const std::string& routes) {
  const std::string yaml = R"(name: "Weather <Co>"
upstreams:
  api: { url: "http://127.0.0.1:3000" }
facilitators:
  f: { url: "http://127.0.0.1:4000" }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia }
routes:
)" + routes;
  auto r = config::load_config_text(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  EXPECT_TRUE(r.config) << r.report();
  return r.config;
}

nlohmann::json challenge_of(const config::Route& route) {
  const x402::ResourceInfo resource{"http://gw.test/api/weather", route.description, route.mime_type, nullptr};
  return x402::payment_required_v2(route.requirements, resource, "payment_required");
}

}  // namespace

TEST(Paywall, WantsPaywallForABrowsersNavigationOnly) {
  EXPECT_TRUE(http::wants_paywall("GET", request_with({{"Accept", kBrowser}})));
  EXPECT_TRUE(http::wants_paywall("HEAD", request_with({{"Accept", kBrowser}})));
  EXPECT_FALSE(http::wants_paywall("POST", request_with({{"Accept", kBrowser}}))) << "the page repeats GET only";
  EXPECT_FALSE(http::wants_paywall("GET", request_with({})));
  EXPECT_FALSE(http::wants_paywall("GET", request_with({{"Accept", "*/*"}})));
  EXPECT_FALSE(http::wants_paywall("GET", request_with({{"Accept", "application/json"}})));
  for (const char* header : {"PAYMENT-SIGNATURE", "X-PAYMENT", "X-402-Payment-Proof", "X-Payment-Proof", "payment-signature"})
    EXPECT_FALSE(http::wants_paywall("GET", request_with({{"Accept", kBrowser}, {header, "x"}}))) << header;
  // Accept split over several fields is one list.
  EXPECT_FALSE(http::wants_paywall("GET", request_with({{"Accept", "text/html;q=0.5"}, {"Accept", "application/json"}})));
  EXPECT_TRUE(http::wants_paywall("GET", request_with({{"Accept", "application/json;q=0.1"}, {"Accept", "text/html"}})));
}

TEST(Paywall, ViewSaysWhatIsSoldInHumanUnits) {
  auto config = load(R"(  - match: "GET /api/weather"
    description: "Current weather"
    accepts:
      - { price: "$0.01" }
      - { price: "$0.25", network: base }
      - { price: "$0.5", network: solana, pay_to: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", fee_payer: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin" }
)");
  ASSERT_TRUE(config);
  const config::Route& route = config->routes[0];
  const http::PaywallView view = http::paywall_view(*config, route, challenge_of(route));
  EXPECT_EQ(view.app_name, "Weather <Co>") << "the configuration's name unless app_name says otherwise";
  EXPECT_EQ(view.description, "Current weather");
  EXPECT_EQ(view.resource_url, "http://gw.test/api/weather");
  ASSERT_EQ(view.offers.size(), 3u);
  EXPECT_EQ(view.offers[0].network, "base-sepolia");
  EXPECT_EQ(view.offers[0].price, "0.01 USDC");
  EXPECT_EQ(view.offers[0].asset, "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
  EXPECT_TRUE(view.offers[0].browser_pays);
  EXPECT_EQ(view.offers[1].network, "base");
  EXPECT_EQ(view.offers[1].price, "0.25 USDC");
  EXPECT_TRUE(view.offers[1].browser_pays);
  EXPECT_EQ(view.offers[2].network, "solana");
  EXPECT_EQ(view.offers[2].price, "0.5 USDC");
  EXPECT_FALSE(view.offers[2].browser_pays) << "Solana is shown, paid by x402 clients";
  EXPECT_TRUE(view.testnet);
  const nlohmann::json data = nlohmann::json::parse(view.data_json);
  EXPECT_EQ(data["paymentRequired"], challenge_of(route));
  EXPECT_EQ(data["offers"][0]["decimals"], 6);
  EXPECT_EQ(data["offers"][0]["symbol"], "USDC");
  EXPECT_EQ(data["offers"][2]["browserPays"], false);
}

TEST(Paywall, MainnetRoutesHaveNoBannerAndTheBannerCanBeOff) {
  auto config = load(R"(  - { match: "GET /a", price: "$0.01", network: base }
  - { match: "GET /b", price: "$0.01", paywall: { testnet_banner: false, app_name: "B" } }
)");
  ASSERT_TRUE(config);
  EXPECT_FALSE(http::paywall_view(*config, config->routes[0], challenge_of(config->routes[0])).testnet);
  const http::PaywallView b = http::paywall_view(*config, config->routes[1], challenge_of(config->routes[1]));
  EXPECT_FALSE(b.testnet);
  EXPECT_EQ(b.app_name, "B");
}

TEST(Paywall, Permit2IsLeftToX402Clients) {
  nlohmann::json pr = {{"accepts", {{{"scheme", "exact"}, {"network", "eip155:8453"}, {"amount", "10"}, {"asset", "0xa"},
                                      {"extra", {{"name", "USD Coin"}, {"version", "2"}, {"assetTransferMethod", "permit2"}}}}}}};
  auto config = load("  - { match: \"GET /a\", price: \"$0.01\" }\n");
  ASSERT_TRUE(config);
  const http::PaywallView view = http::paywall_view(*config, config->routes[0], pr);
  ASSERT_EQ(view.offers.size(), 1u);
  EXPECT_FALSE(view.offers[0].browser_pays);
  EXPECT_EQ(view.offers[0].price, "10 units") << "an asset the route does not describe: atomic units";
}

TEST(Paywall, RenderedAs402WithThePaymentRequiredHeader) {
  core::ChallengeReply challenge{"{\"x402Version\":1}", "eyJ4NDAyVmVyc2lvbiI6Mn0=", "payment_required", {}};
  challenge.page = "<!doctype html><p>pay</p>";
  challenge.headers.emplace_back("Content-Security-Policy", http::paywall_csp());
  const core::Reply page_reply{challenge};  // the wire reply borrows its body
  const http::WireReply wire = http::render(page_reply, 11, true, false);
  EXPECT_EQ(wire.status, 402u);
  EXPECT_EQ(wire.body(), "<!doctype html><p>pay</p>");
  EXPECT_NE(wire.head.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos) << wire.head;
  EXPECT_NE(wire.head.find("PAYMENT-REQUIRED: eyJ4NDAyVmVyc2lvbiI6Mn0=\r\n"), std::string::npos);
  EXPECT_NE(wire.head.find("Cache-Control: no-store\r\n"), std::string::npos);
  EXPECT_NE(wire.head.find("Content-Security-Policy: default-src 'none';"), std::string::npos);
  challenge.page.clear();
  const core::Reply json_reply{challenge};
  const http::WireReply json = http::render(json_reply, 11, true, false);
  EXPECT_EQ(json.body(), "{\"x402Version\":1}");
  EXPECT_NE(json.head.find("Content-Type: application/json\r\n"), std::string::npos);
}

TEST(Paywall, OfferPaywallReplacesOnlyAPlainChallengeOfARouteWithThePaywallOn) {
  auto config = load(R"(  - { match: "GET /a", price: "$0.01", description: "A <b>" }
  - { match: "GET /b", price: "$0.01", paywall: false }
)");
  ASSERT_TRUE(config);
  const auto browser = request_with({{"Accept", kBrowser}});
  auto challenge_for = [&](const config::Route& route, const std::string& reason) {
    const x402::ResourceInfo resource{"http://gw.test/a", route.description, route.mime_type, nullptr};
    const x402::Challenge built = x402::build_challenge(route.requirements, resource, reason);
    return core::Reply{core::ChallengeReply{built.body, built.header_value, reason, {}}};
  };
  auto run = [&](size_t route, const std::string& reason, std::span<const net::RequestHead::Field> request, std::string method = "GET") {
    routing::RequestContext ctx{*config, {}, method == "HEAD", {}, {}, false, false};
    ctx.decision.route = &config->routes[route];
    ctx.record.method = method;
    core::Reply reply = challenge_for(config->routes[route], reason);
    http::offer_paywall(ctx, request, reply);
    return std::make_pair(std::get<core::ChallengeReply>(reply), ctx.record.paywall);
  };

  auto [page, counted] = run(0, "payment_required", browser);
  EXPECT_TRUE(counted);
  EXPECT_NE(page.page.find("<p class=\"what\">A &lt;b&gt;</p>"), std::string::npos) << page.page;
  EXPECT_EQ(page.header_value, std::get<core::ChallengeReply>(challenge_for(config->routes[0], "payment_required")).header_value)
      << "PAYMENT-REQUIRED is the same";
  auto header = [&](const core::ChallengeReply& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
      if (n == name) return v;
    return std::string();
  };
  EXPECT_EQ(header(page, "Content-Security-Policy"), http::paywall_csp());
  EXPECT_EQ(header(page, "X-Content-Type-Options"), "nosniff");

  EXPECT_TRUE(run(1, "payment_required", browser).first.page.empty()) << "paywall: false";
  EXPECT_TRUE(run(0, "invalid_exact_evm_signature", browser).first.page.empty()) << "a refusal's 402 stays JSON";
  EXPECT_TRUE(run(0, "payment_pending", browser).first.page.empty());
  EXPECT_TRUE(run(0, "payment_required", request_with({{"Accept", "*/*"}})).first.page.empty());
  EXPECT_TRUE(run(0, "payment_required", browser, "POST").first.page.empty());
  EXPECT_TRUE(run(0, "payment_required", browser, "HEAD").second) << "HEAD gets the page's head";
}
