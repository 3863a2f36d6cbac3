#pragma once
// The paywall page as text: what it shows, filled into the built-in template or an operator's,
// with every value from the configuration or the request escaped. Pure, no I/O.
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::http {

/// The paywall's size budget: the built-in page's HTML, CSS and JavaScript together, uncompressed.
inline constexpr size_t kPaywallBudgetBytes = 40 * 1024;

/// One way to pay the route, as the page lists it.
struct PaywallOffer {
  std::string network;   // as people know it: the v1 name, else the CAIP-2 id
  std::string price;     // in the asset's units: "0.01 USDC"
  std::string asset;     // the token's contract, mint or id
  bool browser_pays = false;  // EVM `exact` with EIP-3009: the page's script pays it
};

/// What one page shows.
struct PaywallView {
  std::string app_name;
  std::string app_logo;       // a checked URL (same-origin path or data:image); empty: none
  std::string description;    // what is sold
  std::string resource_url;
  bool testnet = false;       // show the test-network banner
  std::vector<PaywallOffer> offers;  // in the order of the 402's `accepts`
  std::string data_json;      // what the script reads: {"paymentRequired": v2 document, ...}
};

/// Text safe inside HTML content and quoted attribute values (& < > " ' escaped).
std::string html_escape(std::string_view text);

/// JSON safe inside a <script type="application/json"> element: '<', '>' and '&' (and U+2028/9)
/// written as \u escapes, so no value can close the element or open a comment.
std::string script_safe_json(std::string_view json);

/// The page: `template_text` (an operator's, checked at load) or the built-in one, filled in.
std::string render_paywall_page(const PaywallView& view, const std::string* template_text);

/// The Content-Security-Policy sent with the page: its inline script and style allowed by their
/// SHA-256 hashes, nothing from another origin, requests to this origin only.
const std::string& paywall_csp();

}  // namespace x402gw::http
