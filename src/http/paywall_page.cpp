#include "http/paywall_page.hpp"

#include <openssl/sha.h>

#include "http/paywall/assets.hpp"
#include "x402/base64.hpp"

namespace x402gw::http {
namespace {

std::string sha256_source(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return "'sha256-" + x402::base64_encode({reinterpret_cast<const char*>(digest), sizeof digest}) + "'";
}

std::string offers_html(const PaywallView& view) {
  std::string out = "<ul class=\"offers\">";
  size_t payable = 0;
  for (size_t i = 0; i < view.offers.size(); ++i) {
    const PaywallOffer& o = view.offers[i];
    const std::string id = "offer-" + std::to_string(i);
    out += "<li>";
    const std::string what = "<span class=\"price\">" + html_escape(o.price) + "</span> on <span class=\"network\">" +
                             html_escape(o.network) + "</span> <span class=\"asset\">token " + html_escape(o.asset) + "</span>";
    if (o.browser_pays) {
      // A radio per offer the page can pay: the first one chosen, the others a keyboard step away.
      out += "<input type=\"radio\" name=\"offer\" id=\"" + id + "\" value=\"" + std::to_string(i) + "\"" +
             (payable++ == 0 ? " checked" : "") + "><label for=\"" + id + "\">" + what + "</label>";
    } else {
      out += what + " <span class=\"note\">pay with an x402 client</span>";
    }
    out += "</li>";
  }
  out += "</ul>";
  if (payable == 0) out += "<p class=\"note\">This page pays on EVM networks only; pay this URL with an x402 client.</p>";
  return out;
}

std::string value_of(std::string_view name, const PaywallView& view) {
  if (name == "title") return html_escape((view.description.empty() ? std::string("Payment required") : view.description) +
                                          (view.app_name.empty() ? "" : " · " + view.app_name));
  if (name == "app_name") return html_escape(view.app_name);
  if (name == "app_logo")
    return view.app_logo.empty() ? std::string() : "<img class=\"logo\" src=\"" + html_escape(view.app_logo) + "\" alt=\"\">";
  if (name == "description") return html_escape(view.description);
  if (name == "offers") return offers_html(view);
  if (name == "testnet_banner")
    return view.testnet ? "<p class=\"testnet\" role=\"note\">Test network: payments here move test tokens, not money.</p>"
                        : std::string();
  if (name == "resource_url") return html_escape(view.resource_url);
  if (name == "style") return "<style>" + std::string(paywall_assets::css) + "</style>";
  if (name == "script")
    return "<script type=\"application/json\" id=\"x402-data\">" + script_safe_json(view.data_json) + "</script><script>" +
           std::string(paywall_assets::js) + "</script>";
  return {};
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string script_safe_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    // U+2028 and U+2029 (E2 80 A8/A9) end a line in older JavaScript parsers.
    else if (c == '\xE2' && i + 2 < json.size() && json[i + 1] == '\x80' && (json[i + 2] == '\xA8' || json[i + 2] == '\xA9')) {
      out += json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else out += c;
  }
  return out;
}

std::string render_paywall_page(const PaywallView& view, const std::string* template_text) {
  const std::string_view text = template_text ? std::string_view(*template_text) : paywall_assets::html;
  std::string out;
  out.reserve(text.size() + paywall_assets::css.size() + paywall_assets::js.size() + view.data_json.size() + 1024);
  // One pass: values are written as they are, never scanned again for placeholders.
  size_t from = 0;
  for (size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", from)) {
    const size_t end = text.find("}}", at + 2);
    if (end == std::string_view::npos) break;
    out.append(text.substr(from, at - from));
    out += value_of(text.substr(at + 2, end - at - 2), view);
    from = end + 2;
  }
  out.append(text.substr(from));
  return out;
}

const std::string& paywall_csp() {
  static const std::string csp = "default-src 'none'; script-src " + sha256_source(paywall_assets::js) + "; style-src " +
                                 sha256_source(paywall_assets::css) +
                                 "; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                                 "frame-ancestors 'none'";
  return csp;
}

}  // namespace x402gw::http
