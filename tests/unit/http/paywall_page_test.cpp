// The paywall page as text: escaping of everything that comes from configuration or the request,
// the JSON data block, placeholders, the CSP's hashes and the size budget.
#include "http/paywall_page.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstdio>
#include <random>

#include "http/paywall/assets.hpp"
#include "x402/base64.hpp"

using namespace x402gw::http;

namespace {

const std::string kEvil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>\"'&";

PaywallView evil_view() {
  PaywallView v;
  v.app_name = kEvil;
  v.app_logo = "/logo.png\" onerror=\"alert(3)";
  v.description = kEvil;
  v.resource_url = "http://h/a?q=" + kEvil;
  v.offers.push_back(PaywallOffer{"base-sepolia" + kEvil, "0.01 USDC" + kEvil, "0xabc" + kEvil, true});
  v.offers.push_back(PaywallOffer{"solana", "0.01 USDC", "EPj", false});
  v.data_json = R"({"paymentRequired":{"resource":{"description":")" + std::string("</script><!-- \xE2\x80\xA8") + R"("}}})";
  return v;
}

std::string hash_of(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return x402gw::x402::base64_encode({reinterpret_cast<const char*>(digest), sizeof digest});
}

// The text between the n-th `open` and the following `close`.
std::string between(const std::string& s, const std::string& open, const std::string& close, size_t n = 0) {
  size_t at = 0;
  for (size_t i = 0; i <= n; ++i) {
    at = s.find(open, at);
    if (at == std::string::npos) return {};
    at += open.size();
  }
  return s.substr(at, s.find(close, at) - at);
}

}  // namespace

TEST(PaywallPage, HtmlEscape) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape("plain text, ünïcode"), "plain text, ünïcode");
}

TEST(PaywallPage, ScriptSafeJson) {
  EXPECT_EQ(script_safe_json(R"({"a":"</script><!--&"})"), R"({"a":"\u003c/script\u003e\u003c!--\u0026"})");
  EXPECT_EQ(script_safe_json("\"\xE2\x80\xA8\xE2\x80\xA9\""), "\"\\u2028\\u2029\"");
  EXPECT_EQ(script_safe_json("\"\xE2\x82\xAC\""), "\"\xE2\x82\xAC\"") << "other characters stay";
}

TEST(PaywallPage, NoValueEscapesItsPlace) {
  const std::string page = render_paywall_page(evil_view(), nullptr);
  // The only script elements are the page's own two: the data block and the script.
  size_t scripts = 0;
  for (size_t at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1)) ++scripts;
  EXPECT_EQ(scripts, 2u) << page;
  size_t closes = 0;
  for (size_t at = page.find("</script>"); at != std::string::npos; at = page.find("</script>", at + 1)) ++closes;
  EXPECT_EQ(closes, 2u);
  EXPECT_EQ(page.find("<img src=x"), std::string::npos);
  EXPECT_EQ(page.find("onerror=\"alert"), std::string::npos);
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_NE(page.find("&lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);
  EXPECT_NE(page.find("<img class=\"logo\" src=\"/logo.png&quot; onerror=&quot;alert(3)\" alt=\"\">"), std::string::npos);
  // The data block holds the JSON with its '<' escaped.
  const std::string data = between(page, "<script type=\"application/json\" id=\"x402-data\">", "</script>");
  EXPECT_EQ(data, R"({"paymentRequired":{"resource":{"description":"\u003c/script\u003e\u003c!-- \u2028"}}})");
}

TEST(PaywallPage, OffersTheBrowserPaysAreChoices) {
  const std::string page = render_paywall_page(evil_view(), nullptr);
  EXPECT_NE(page.find("<input type=\"radio\" name=\"offer\" id=\"offer-0\" value=\"0\" checked>"), std::string::npos);
  EXPECT_EQ(page.find("id=\"offer-1\""), std::string::npos);
  EXPECT_NE(page.find("solana</span> <span class=\"asset\">token EPj</span> <span class=\"note\">pay with an x402 client</span>"),
            std::string::npos);
}

TEST(PaywallPage, OnlyNonPayableOffersSaySo) {
  PaywallView v;
  v.offers.push_back(PaywallOffer{"solana", "0.01 USDC", "EPj", false});
  const std::string page = render_paywall_page(v, nullptr);
  EXPECT_NE(page.find("This page pays on EVM networks only"), std::string::npos);
  EXPECT_EQ(page.find("<input type=\"radio\" name=\"offer\""), std::string::npos);
}

TEST(PaywallPage, TestnetBanner) {
  PaywallView v;
  EXPECT_EQ(render_paywall_page(v, nullptr).find("class=\"testnet\""), std::string::npos);
  v.testnet = true;
  EXPECT_NE(render_paywall_page(v, nullptr).find("class=\"testnet\""), std::string::npos);
}

TEST(PaywallPage, OperatorTemplate) {
  PaywallView v = evil_view();
  v.app_name = "Weather {{script}}";  // a value is written once, never expanded again
  const std::string tmpl = "<html><h1>{{app_name}}</h1><p>{{description}}</p>{{ not closed";
  const std::string out = render_paywall_page(v, &tmpl);
  EXPECT_EQ(out.rfind("<html><h1>Weather {{script}}</h1><p>&lt;/script&gt;", 0), 0u) << out;
  EXPECT_NE(out.find("{{ not closed"), std::string::npos);
  const std::string with_script = "{{style}}{{script}}";
  const std::string full = render_paywall_page(v, &with_script);
  EXPECT_EQ(full.rfind("<style>", 0), 0u);
  EXPECT_NE(full.find(std::string(paywall_assets::js)), std::string::npos);
}

TEST(PaywallPage, CspAllowsExactlyTheInlineScriptAndStyle) {
  const std::string page = render_paywall_page(evil_view(), nullptr);
  const std::string script = between(page, "<script>", "</script>");
  const std::string style = between(page, "<style>", "</style>");
  EXPECT_EQ(script, std::string(paywall_assets::js));
  const std::string& csp = paywall_csp();
  EXPECT_NE(csp.find("script-src 'sha256-" + hash_of(script) + "';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("style-src 'sha256-" + hash_of(style) + "';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  EXPECT_EQ(csp.find("http"), std::string::npos) << "no other origin";
}

TEST(PaywallPage, AssetsHaveNoExternalReferences) {
  for (std::string_view asset : {paywall_assets::html, paywall_assets::css, paywall_assets::js}) {
    EXPECT_EQ(asset.find("http://"), std::string::npos);
    EXPECT_EQ(asset.find("https://"), std::string::npos);
    EXPECT_EQ(asset.find("@import"), std::string::npos);
    EXPECT_EQ(asset.find("url("), std::string::npos);
  }
  // The built-in page uses only the placeholders an operator's template may use.
  EXPECT_NE(paywall_assets::html.find("{{script}}"), std::string::npos);
}

TEST(PaywallPage, EscapingHoldsForAnyBytes) {
  std::mt19937 random(402);
  const std::string alphabet = "<>&\"'/\\{}!-[] \xE2\x80\xA8\xA9" "abc";
  for (int i = 0; i < 2000; ++i) {
    std::string input;
    for (size_t n = random() % 40; n > 0; --n) input += alphabet[random() % alphabet.size()];
    const std::string html = html_escape(input);
    EXPECT_EQ(html.find_first_of("<>\"'"), std::string::npos) << input;
    const std::string json = script_safe_json(input);
    EXPECT_EQ(json.find_first_of("<>"), std::string::npos) << input;
    EXPECT_EQ(json.find("\xE2\x80\xA8"), std::string::npos) << input;
  }
}

TEST(PaywallPage, WithinItsBudget) {
  const size_t bytes = paywall_assets::html.size() + paywall_assets::css.size() + paywall_assets::js.size();
  std::printf("paywall page: %zu bytes (html %zu, css %zu, js %zu); budget %zu\n", bytes, paywall_assets::html.size(),
              paywall_assets::css.size(), paywall_assets::js.size(), kPaywallBudgetBytes);
  EXPECT_GT(bytes, 1000u);
  EXPECT_LE(bytes, kPaywallBudgetBytes);
}
