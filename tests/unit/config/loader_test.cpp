#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace x402gw::config;

namespace {

EnvLookup env(std::map<std::string, std::string> vars = {}) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const char* kValid = R"(listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
upstreams:
  api: { url: "http://127.0.0.1:3000", timeout: 5s }
facilitators:
  default:
    url: "${FAC_URL:-http://127.0.0.1:4020/}"
    timeout: 2s
    headers: { Authorization: "Bearer ${TOKEN}" }
payment:
  pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
  network: base-sepolia
routes:
  - match: "GET /api/weather"
    price: "$0.01"
    description: "Current weather"
  - match: "POST /api/translate"
    settlement: before
    accepts:
      - { network: base, price: "$0.001" }
      - network: "eip155:31337"
        price: { amount: "1000", asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3", eip712: { name: USDC, version: "2" } }
      - { network: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", price: "$0.001", pay_to: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", fee_payer: "FeePayer1111111111111111111111111111111111" }
      - { network: "stacks:1", price: "0.5 STX", pay_to: "SP2F0VC55JT6ND29YHF9VZE1Q5DM137VXQY93GPW5" }
      - { network: "stellar:testnet", price: "$0.0000001", pay_to: "GABC" }
  - match: "/public/*"
)";

LoadResult load(const std::string& text, std::map<std::string, std::string> vars = {{"TOKEN", "t0k"}}) {
  return load_config_text(text, "gateway.yaml", env(std::move(vars)));
}

// The one error a snippet produces, formatted.
std::string only_error(const std::string& text) {
  auto r = load(text);
  EXPECT_EQ(r.errors.size(), 1u) << r.report();
  return r.errors.empty() ? "" : r.errors[0].format("gateway.yaml");
}

std::string with_route(const std::string& route_lines) {
  return "upstreams: { api: \"http://127.0.0.1:3000\" }\n"
         "facilitators: { f: { url: \"http://127.0.0.1:4020\" } }\n"
         "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base-sepolia }\n"
         "routes:\n" + route_lines;
}

}  // namespace

TEST(Loader, LoadsTheFullExample) {
  auto r = load(kValid);
  ASSERT_TRUE(r.config) << r.report();
  const Config& c = *r.config;
  EXPECT_EQ(c.listen.at(0).address.port, 0);
  ASSERT_TRUE(c.admin_listen);
  EXPECT_EQ(c.facilitators.at(0).url.base_path, "");
  EXPECT_EQ(c.facilitators.at(0).timeout, std::chrono::seconds(2));
  EXPECT_EQ(c.facilitators.at(0).headers.at(0).second, "Bearer t0k");
  ASSERT_EQ(c.routes.size(), 3u);

  const Route& weather = c.routes[0];
  EXPECT_TRUE(weather.priced);
  EXPECT_EQ(weather.name, "GET /api/weather");
  ASSERT_EQ(weather.requirements.size(), 1u);
  EXPECT_EQ(weather.requirements[0].amount, "10000");
  EXPECT_EQ(weather.requirements[0].network, "eip155:84532");
  EXPECT_EQ(weather.requirements[0].v1_network, "base-sepolia");
  EXPECT_EQ(weather.requirements[0].extra["name"], "USDC");
  EXPECT_EQ(weather.line, 14);

  const Route& translate = c.routes[1];
  EXPECT_EQ(translate.settlement, Settlement::before);
  ASSERT_EQ(translate.requirements.size(), 5u);
  EXPECT_EQ(translate.requirements[0].amount, "1000");
  EXPECT_EQ(translate.requirements[0].asset, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
  EXPECT_EQ(translate.requirements[0].extra["name"], "USD Coin");
  EXPECT_EQ(translate.requirements[1].network, "eip155:31337");
  EXPECT_EQ(translate.requirements[1].v1_network, "");
  EXPECT_EQ(translate.requirements[2].asset, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
  EXPECT_EQ(translate.requirements[2].extra["feePayer"], "FeePayer1111111111111111111111111111111111");
  EXPECT_EQ(translate.requirements[3].amount, "500000");
  EXPECT_EQ(translate.requirements[3].asset, "STX");
  EXPECT_EQ(translate.requirements[4].amount, "1");
  EXPECT_EQ(translate.requirements[4].decimals, 7);
  EXPECT_EQ(translate.requirements[4].asset, "CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA");
  // scheme_exact_stellar.md: exactly {areFeesSponsored: true} in extra.
  EXPECT_EQ(translate.requirements[4].extra, nlohmann::json({{"areFeesSponsored", true}}));
  EXPECT_FALSE(translate.requirements[2].extra.contains("areFeesSponsored"));

  EXPECT_FALSE(c.routes[2].priced);
  EXPECT_EQ(c.table.size(), 3u);
  EXPECT_FALSE(c.hash.empty());
}

TEST(Loader, FacilitatorUrlFromEnvironmentOverridesDefault) {
  auto r = load(kValid, {{"TOKEN", "x"}, {"FAC_URL", "https://x402.org/facilitator"}});
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_TRUE(r.config->facilitators[0].url.tls);
}

TEST(Loader, UnsetVariableIsReportedWithItsLine) {
  auto r = load(kValid, {});
  ASSERT_EQ(r.errors.size(), 1u) << r.report();
  EXPECT_EQ(r.errors[0].line, 9);
  EXPECT_NE(r.errors[0].message.find("TOKEN is not set"), std::string::npos);
}

TEST(Loader, PriceThatRoundsToZeroNamesItsLine) {
  std::string e = only_error(with_route("  - match: /a\n    price: \"$0.0000001\"\n"));
  EXPECT_EQ(e.rfind("gateway.yaml:6:12: routes[0].price:", 0), 0u) << e;
  EXPECT_NE(e.find("6 decimals"), std::string::npos) << e;
}

TEST(Loader, ZeroPriceIsAnError) {
  EXPECT_NE(only_error(with_route("  - match: /a\n    price: \"$0\"\n")).find("0 atomic units"), std::string::npos);
}

TEST(Loader, UnknownKeyIsReportedWithItsLine) {
  std::string e = only_error(with_route("  - match: /a\n    prise: \"$0.01\"\n"));
  EXPECT_EQ(e.rfind("gateway.yaml:6:5: routes[0].prise: unknown key", 0), 0u) << e;
}

TEST(Loader, UnknownNetwork) {
  std::string e = only_error(with_route("  - match: /a\n    price: \"$0.01\"\n    network: base-sepolai\n"));
  EXPECT_NE(e.find(":7:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown network 'base-sepolai'"), std::string::npos) << e;
}

TEST(Loader, DollarPriceOnNetworkWithoutStablecoin) {
  std::string e = only_error(with_route("  - match: /a\n    price: \"$0.01\"\n    network: \"eip155:31337\"\n"));
  EXPECT_NE(e.find("no built-in USD stablecoin"), std::string::npos) << e;
}

TEST(Loader, UnknownEvmTokenNeedsItsDomain) {
  std::string e = only_error(with_route(
      "  - match: /a\n    network: \"eip155:31337\"\n    price: { amount: \"1000\", asset: \"0xabc\" }\n"));
  EXPECT_NE(e.find("eip712"), std::string::npos) << e;
}

TEST(Loader, AtomicAmountMustBeCanonical) {
  std::string e = only_error(with_route("  - match: /a\n    price: { amount: \"0.5\", asset: USDC }\n"));
  EXPECT_NE(e.find("atomic units"), std::string::npos) << e;
}

TEST(Loader, BadMatchAndUnknownUpstream) {
  auto r = load(with_route("  - match: \"get /a\"\n    upstream: nope\n"));
  ASSERT_EQ(r.errors.size(), 2u) << r.report();
  EXPECT_EQ(r.errors[0].line, 5);
  EXPECT_EQ(r.errors[1].line, 6);
  EXPECT_NE(r.errors[1].message.find("no upstream named 'nope'"), std::string::npos);
}

TEST(Loader, EveryErrorIsReportedInOneRun) {
  auto r = load(
      "listen: \"nowhere\"\n"
      "upstreams: { api: { url: \"ftp://x\", timeout: soon } }\n"
      "routes:\n"
      "  - match: /a\n"
      "    price: \"$0.01\"\n");
  // bad listen, bad url, bad timeout, no pay_to... no network, no facilitator
  EXPECT_GE(r.errors.size(), 4u) << r.report();
  EXPECT_FALSE(r.config);
  std::string report = r.report();
  EXPECT_NE(report.find("gateway.yaml:1:9: listen:"), std::string::npos) << report;
  EXPECT_NE(report.find("upstreams.api.url"), std::string::npos) << report;
  EXPECT_NE(report.find("upstreams.api.timeout"), std::string::npos) << report;
}

TEST(Loader, YamlSyntaxErrorHasItsLine) {
  auto r = load("upstreams: { api: \"http://x\" }\nroutes: [\n  { match: /a\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GT(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("YAML syntax"), std::string::npos);
}

TEST(Loader, PriceAndAcceptsAreExclusive) {
  std::string e = only_error(with_route("  - match: /a\n    price: \"$0.01\"\n    accepts: [ { price: \"$0.01\" } ]\n"));
  EXPECT_NE(e.find("either 'price' or 'accepts'"), std::string::npos) << e;
}

TEST(Loader, PaymentKeysOnAFreeRouteAreAMistake) {
  std::string e = only_error(with_route("  - match: /a\n    network: base\n"));
  EXPECT_NE(e.find("no effect on a free route"), std::string::npos) << e;
}

TEST(Loader, DuplicateRouteNames) {
  std::string e = only_error(with_route("  - { match: /a, name: x }\n  - { match: /b, name: x }\n"));
  EXPECT_NE(e.find("used twice"), std::string::npos) << e;
}

TEST(Loader, SeveralFacilitatorsNeedANameOnPricedRoutes) {
  auto text = with_route("  - { match: /a, price: \"$0.01\" }\n");
  text.replace(text.find("facilitators: { f:"), 18, "facilitators: { g: { url: \"http://127.0.0.1:1\" }, f:");
  EXPECT_NE(only_error(text).find("several facilitators"), std::string::npos);
}

TEST(Loader, EmptyFile) {
  auto r = load("");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("empty"), std::string::npos);
}

TEST(Loader, WarnsWhenAHostRestrictedPricedRouteCanBeBypassedByUnmatchedProxy) {
  auto r = load("unmatched: proxy\n" + with_route("  - { match: /a, host: api.example.com, price: \"$0.01\" }\n"));
  ASSERT_TRUE(r.config) << r.report();
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].message.find("unmatched: not_found"), std::string::npos);
  EXPECT_EQ(r.warnings[0].line, 6);
  EXPECT_TRUE(load(with_route("  - { match: /a, host: api.example.com, price: \"$0.01\" }\n")).warnings.empty());
}

namespace {
// Two facilitators f and g, a route with `facilitator_line`, and extra top-level text.
std::string with_facilitators(const std::string& route, const std::string& f_extra = "", const std::string& top = "") {
  return top + "upstreams: { api: \"http://127.0.0.1:3000\" }\n"
               "facilitators:\n  f: { url: \"http://127.0.0.1:4020\"" + f_extra + " }\n  g: { url: \"http://127.0.0.1:4021\" }\n"
               "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base-sepolia }\n"
               "routes:\n" + route;
}
}  // namespace

TEST(Loader, AFacilitatorListIsTriedInOrder) {
  auto r = load(with_facilitators("  - { match: /a, price: \"$0.01\", facilitator: [g, f] }\n  - { match: /b, price: \"$0.01\", facilitator: f }\n"));
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->routes[0].facilitators, (std::vector<size_t>{1, 0}));
  EXPECT_EQ(r.config->routes[1].facilitators, (std::vector<size_t>{0}));
  // payment.facilitator may be a list too.
  auto text = with_facilitators("  - { match: /a, price: \"$0.01\" }\n");
  text.replace(text.find("network: base-sepolia }"), 23, "network: base-sepolia, facilitator: [f, g] }");
  r = load(text);
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->routes[0].facilitators, (std::vector<size_t>{0, 1}));
}

TEST(Loader, BadFacilitatorLists) {
  std::string e = only_error(with_facilitators("  - { match: /a, price: \"$0.01\", facilitator: [f, g, f] }\n"));
  EXPECT_NE(e.find("gateway.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("facilitator 'f' is listed twice"), std::string::npos) << e;
  e = only_error(with_facilitators("  - { match: /a, price: \"$0.01\", facilitator: [] }\n"));
  EXPECT_NE(e.find("a name or a list of 1 to 8 names"), std::string::npos) << e;
  e = only_error(with_facilitators("  - { match: /a, price: \"$0.01\", facilitator: [f, h] }\n"));
  EXPECT_NE(e.find("no facilitator named 'h'"), std::string::npos) << e;
  e = only_error(with_facilitators("  - { match: /a, price: \"$0.01\", facilitator: [f, [g]] }\n"));
  EXPECT_NE(e.find("routes[0].facilitator[1]"), std::string::npos) << e;
}

TEST(Loader, BreakerAndRefreshSettings) {
  auto r = load(with_facilitators("  - { match: /a, price: \"$0.01\", facilitator: f }\n", ", breaker: { failures: 3, open_for: 2s }",
                                  "supported_refresh: 5m\n"));
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->facilitators[0].breaker.failures, 3);
  EXPECT_EQ(r.config->facilitators[0].breaker.open_for, std::chrono::seconds(2));
  EXPECT_EQ(r.config->facilitators[1].breaker.failures, 5);
  EXPECT_EQ(r.config->supported_refresh, std::chrono::minutes(5));
  const std::string route = "  - { match: /a, price: \"$0.01\", facilitator: f }\n";
  std::string e = only_error(with_facilitators(route, ", breaker: { failures: 0 }"));
  EXPECT_NE(e.find("facilitators.f.breaker.failures"), std::string::npos) << e;
  e = only_error(with_facilitators(route, ", breaker: { open_for: 10ms }"));
  EXPECT_NE(e.find("open_for is at least 100ms"), std::string::npos) << e;
  e = only_error(with_facilitators(route, ", breaker: { failure: 3 }"));
  EXPECT_NE(e.find("failure"), std::string::npos) << e;
  e = only_error(with_facilitators(route, "", "supported_refresh: 500ms\n"));
  EXPECT_NE(e.find("supported_refresh is at least 1s"), std::string::npos) << e;
  EXPECT_NE(e.find("gateway.yaml:1:"), std::string::npos) << e;
}

TEST(Loader, RepeatPolicyAndPaymentIdentifier) {
  auto r = load(with_route("  - match: /a\n    price: \"$0.01\"\n    on_repeat: refuse\n"
                           "    payment_identifier: { required: true, mode: replay_answer, ttl: 30s, max_bytes: 4KiB }\n"
                           "  - match: /b\n    price: \"$0.01\"\n"
                           "  - match: /c\n    price: \"$0.01\"\n    payment_identifier: true\n"
                           "  - match: /d\n    price: \"$0.01\"\n    on_repeat: pass\n"));
  ASSERT_TRUE(r.config) << r.report();
  const Route& a = r.config->routes[0];
  EXPECT_EQ(a.on_repeat, OnRepeat::refuse);
  EXPECT_TRUE(a.payment_identifier.enabled);
  EXPECT_TRUE(a.payment_identifier.required);
  EXPECT_EQ(a.payment_identifier.mode, PaymentIdentifier::Mode::replay_answer);
  EXPECT_EQ(a.payment_identifier.ttl, std::chrono::seconds(30));
  EXPECT_EQ(a.payment_identifier.max_bytes, 4096u);
  const Route& b = r.config->routes[1];
  EXPECT_EQ(b.on_repeat, OnRepeat::refuse);  // the default (R3): a delivered payment presented again buys nothing more
  EXPECT_FALSE(b.payment_identifier.enabled);
  const Route& c = r.config->routes[2];
  EXPECT_TRUE(c.payment_identifier.enabled);
  EXPECT_FALSE(c.payment_identifier.required);
  EXPECT_EQ(c.payment_identifier.mode, PaymentIdentifier::Mode::fresh_call);
  EXPECT_EQ(r.config->routes[3].on_repeat, OnRepeat::pass);  // the opt-in pass
}

// The old default `serve` sold a pass without saying so: refused with its line, naming the way out.
TEST(Loader, OnRepeatServeIsRefusedWithItsLine) {
  const std::string e = only_error(with_route("  - match: /a\n    price: \"$0.01\"\n    on_repeat: serve\n"));
  EXPECT_NE(e.find("routes[0].on_repeat"), std::string::npos) << e;
  EXPECT_NE(e.find("gateway.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("'pass'"), std::string::npos) << e;
}

TEST(Loader, RepeatPolicyErrorsNameTheirLine) {
  EXPECT_NE(only_error(with_route("  - match: /a\n    price: \"$0.01\"\n    on_repeat: twice\n")).find("routes[0].on_repeat"),
            std::string::npos);
  EXPECT_NE(only_error(with_route("  - match: /a\n    price: \"$0.01\"\n    payment_identifier: { mode: cache }\n"))
                .find("routes[0].payment_identifier.mode"),
            std::string::npos);
  // replay_answer keeps a held answer: settle-before routes stream theirs.
  EXPECT_NE(only_error(with_route("  - match: /a\n    price: \"$0.01\"\n    settlement: before\n"
                                  "    payment_identifier: { mode: replay_answer }\n"))
                .find("settlement: after"),
            std::string::npos);
  EXPECT_NE(only_error(with_route("  - match: /a\n    on_repeat: pass\n")).find("no effect on a free route"), std::string::npos);
}

TEST(Loader, StateDir) {
  auto r = load(with_route("  - match: /a\n    price: \"$0.01\"\n") + "state: { dir: /var/lib/x402-gateway }\n");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->state.dir, "/var/lib/x402-gateway");
  auto none = load(with_route("  - match: /a\n    price: \"$0.01\"\n"));
  ASSERT_TRUE(none.config);
  EXPECT_EQ(none.config->state.dir, "");
  EXPECT_NE(only_error(with_route("  - match: /a\n    price: \"$0.01\"\n") + "state: { dir: \"\" }\n").find("state.dir"),
            std::string::npos);
  EXPECT_NE(only_error(with_route("  - match: /a\n    price: \"$0.01\"\n") + "state: { dri: /x }\n").find("dri"),
            std::string::npos);
}

TEST(Loader, TrustedProxiesAndProxyProtocolListeners) {
  auto r = load("listen:\n  - \"127.0.0.1:0\"\n  - { address: \"127.0.0.1:0\", proxy_protocol: true }\n"
                "trusted_proxies: [10.0.0.0/8, \"::1\", 127.0.0.1]\n" + with_route("  - match: \"/a\"\n"));
  ASSERT_TRUE(r.config) << r.report();
  ASSERT_EQ(r.config->listen.size(), 2u);
  EXPECT_FALSE(r.config->listen[0].address.proxy_protocol);
  EXPECT_TRUE(r.config->listen[1].address.proxy_protocol);
  ASSERT_EQ(r.config->trusted_proxies.ranges.size(), 3u);
  EXPECT_EQ(r.config->trusted_proxies.ranges[0].to_string(), "10.0.0.0/8");
  EXPECT_TRUE(r.config->trusted_proxies.contains(*x402gw::peer::parse_ip("::1")));
}

TEST(Loader, BadTrustedProxiesAreReportedWithTheirLine) {
  auto r = load("trusted_proxies:\n  - 10.0.0.0/8\n  - 10.0.0.1/8\n  - nonsense\n" + with_route("  - match: \"/a\"\n"));
  ASSERT_EQ(r.errors.size(), 2u) << r.report();
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("did you mean 10.0.0.0/8"), std::string::npos);
  EXPECT_EQ(r.errors[1].line, 4);
  EXPECT_NE(only_error("trusted_proxies: 10.0.0.0/8\n" + with_route("  - match: \"/a\"\n")).find("list of addresses"),
            std::string::npos);
}

TEST(Loader, ProxyProtocolNeedsTrustedProxiesAndAnAddress) {
  auto e = only_error("listen: { address: \"127.0.0.1:0\", proxy_protocol: true }\n" + with_route("  - match: \"/a\"\n"));
  EXPECT_NE(e.find("gateway.yaml:1"), std::string::npos) << e;
  EXPECT_NE(e.find("needs trusted_proxies"), std::string::npos) << e;
  EXPECT_NE(only_error("listen: [{ proxy_protocol: false }]\n" + with_route("  - match: \"/a\"\n")).find("address"),
            std::string::npos);
  EXPECT_NE(only_error("listen: [{ address: \"127.0.0.1:0\", proxy: true }]\n" + with_route("  - match: \"/a\"\n")).find("proxy"),
            std::string::npos);
  EXPECT_NE(only_error("listen: [{ address: \"127.0.0.1:0\", proxy_protocol: maybe }]\n" + with_route("  - match: \"/a\"\n")).find("proxy_protocol"),
            std::string::npos);
  EXPECT_NE(only_error("trusted_proxies: [127.0.0.1]\nadmin_listen: { address: \"127.0.0.1:0\", proxy_protocol: true }\n" +
                       with_route("  - match: \"/a\"\n")).find("admin listener"),
            std::string::npos);
}

// Pay-then-prove: chains: and a route's proof: tx_hash.
namespace {
std::string with_chains(const std::string& chains, const std::string& route_lines) {
  return "upstreams: { api: \"http://127.0.0.1:3000\" }\n"
         "facilitators: { f: { url: \"http://127.0.0.1:4020\" } }\n"
         "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base-sepolia }\n"
         "chains:\n" + chains + "routes:\n" + route_lines;
}
}  // namespace

TEST(Loader, ChainsAndProofRoute) {
  auto r = load(with_chains("  base-sepolia: { rpc: \"http://127.0.0.1:8545\", confirmations: 3, max_age: 2h, timeout: 3s }\n",
                            "  - { match: /a, price: \"$0.01\", proof: tx_hash }\n  - { match: /b, price: \"$0.01\" }\n"));
  ASSERT_TRUE(r.config) << r.report();
  ASSERT_EQ(r.config->chains.size(), 1u);
  const Chain& c = r.config->chains[0];
  EXPECT_EQ(c.network, "eip155:84532");
  EXPECT_EQ(c.rpc.host, "127.0.0.1");
  EXPECT_EQ(c.confirmations, 3u);
  EXPECT_EQ(c.max_age, std::chrono::hours(2));
  EXPECT_EQ(c.timeout, std::chrono::seconds(3));
  EXPECT_EQ(r.config->chain_for("eip155:84532"), &c);
  EXPECT_EQ(r.config->chain_for("eip155:8453"), nullptr);
  EXPECT_EQ(r.config->routes[0].proof, Proof::tx_hash);
  EXPECT_EQ(r.config->routes[1].proof, Proof::none);
}

TEST(Loader, ChainDefaultsAndCaip2Key) {
  auto r = load(with_chains("  \"eip155:84532\": { rpc: \"https://rpc.example\" }\n", "  - { match: /a, price: \"$0.01\", proof: tx_hash }\n"));
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->chains[0].confirmations, 1u);
  EXPECT_EQ(r.config->chains[0].max_age, std::chrono::hours(1));
}

TEST(Loader, ProofRouteNeedsAChainForItsNetwork) {
  std::string e = only_error(with_chains("  base: { rpc: \"http://127.0.0.1:8545\" }\n", "  - { match: /a, price: \"$0.01\", proof: tx_hash }\n"));
  EXPECT_NE(e.find("gateway.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("routes[0].proof"), std::string::npos) << e;
  EXPECT_NE(e.find("chains: { base-sepolia: { rpc: URL } }"), std::string::npos) << e;
}

TEST(Loader, ProofIsForEvmRoutesOnly) {
  std::string e = only_error(with_chains("  base: { rpc: \"http://127.0.0.1:8545\" }\n",
                                         "  - { match: /a, network: \"stacks:1\", price: \"0.5 STX\", pay_to: \"SP2F0VC55JT6ND29YHF9VZE1Q5DM137VXQY93GPW5\", proof: tx_hash }\n"));
  EXPECT_NE(e.find("EVM networks only"), std::string::npos) << e;
}

TEST(Loader, BadProofValueAndProofOnAFreeRoute) {
  std::string e = only_error(with_chains("  base-sepolia: { rpc: \"http://127.0.0.1:8545\" }\n", "  - { match: /a, price: \"$0.01\", proof: hash }\n"));
  EXPECT_NE(e.find("proof is 'tx_hash'"), std::string::npos) << e;
  e = only_error(with_chains("  base-sepolia: { rpc: \"http://127.0.0.1:8545\" }\n", "  - { match: /a, proof: tx_hash }\n"));
  EXPECT_NE(e.find("no effect on a free route"), std::string::npos) << e;
}

TEST(Loader, ChainEntryErrors) {
  std::string e = only_error(with_chains("  solana: { rpc: \"http://127.0.0.1:8545\" }\n", "  - { match: /a }\n"));
  EXPECT_NE(e.find("gateway.yaml:5:3: chains.solana"), std::string::npos) << e;
  EXPECT_NE(e.find("not an EVM network"), std::string::npos) << e;
  e = only_error(with_chains("  base-sepolia: { rpc: \"ftp://x\" }\n", "  - { match: /a }\n"));
  EXPECT_NE(e.find("chains.base-sepolia.rpc"), std::string::npos) << e;
  e = only_error(with_chains("  base-sepolia: { confirmations: 2 }\n", "  - { match: /a }\n"));
  EXPECT_NE(e.find("rpc"), std::string::npos) << e;
  e = only_error(with_chains("  base-sepolia: { rpc: \"http://127.0.0.1:8545\", confirmations: 0 }\n", "  - { match: /a }\n"));
  EXPECT_NE(e.find("confirmations"), std::string::npos) << e;
  e = only_error(with_chains("  base-sepolia: { rpc: \"http://127.0.0.1:8545\" }\n  \"eip155:84532\": { rpc: \"http://127.0.0.1:8546\" }\n", "  - { match: /a }\n"));
  EXPECT_NE(e.find("has a chain entry already"), std::string::npos) << e;
  e = only_error(with_chains("  base-sepolia: { rpc: \"http://127.0.0.1:8545\", blocks: 2 }\n", "  - { match: /a }\n"));
  EXPECT_NE(e.find("unknown key"), std::string::npos) << e;
}

TEST(Loader, ChainWithoutMaxAgeIsWarnedAbout) {
  auto r = load(with_chains("  base-sepolia: { rpc: \"http://127.0.0.1:8545\", max_age: off }\n", "  - { match: /a, price: \"$0.01\", proof: tx_hash }\n"));
  ASSERT_TRUE(r.config) << r.report();
  ASSERT_EQ(r.warnings.size(), 1u) << r.report();
  EXPECT_NE(r.warnings[0].message.find("any age"), std::string::npos);
  EXPECT_EQ(r.config->chains[0].max_age.count(), 0);
}

TEST(Loader, ConnectionLimitsAtAccept) {
  auto defaults = load(with_route("  - match: \"/*\"\n"));
  ASSERT_TRUE(defaults.config) << defaults.report();
  EXPECT_EQ(defaults.config->limits.max_connections_per_address, 0u) << "off: behind an unlisted balancer every client shares one address";
  EXPECT_EQ(defaults.config->limits.max_tls_handshakes, 1024u);
  auto set = load("limits: { max_connections: 50, max_connections_per_address: 8, max_tls_handshakes: 0 }\n" + with_route("  - match: \"/*\"\n"));
  ASSERT_TRUE(set.config) << set.report();
  EXPECT_EQ(set.config->limits.max_connections_per_address, 8u);
  EXPECT_EQ(set.config->limits.max_tls_handshakes, 0u);
  const std::string error = only_error("limits: { max_connections_per_address: -1 }\n" + with_route("  - match: \"/*\"\n"));
  EXPECT_NE(error.find("gateway.yaml:1"), std::string::npos) << error;
  EXPECT_NE(error.find("max_connections_per_address"), std::string::npos) << error;
}

TEST(Loader, RequestBufferingAndTheBodyDeadline) {
  auto defaults = load(with_route("  - match: /a\n"));
  ASSERT_TRUE(defaults.config) << defaults.report();
  EXPECT_EQ(defaults.config->limits.request_buffering, 64u * 1024);
  EXPECT_EQ(defaults.config->timeouts.request_body, std::chrono::seconds(60));
  auto set = load("limits: { request_buffering: 8KiB }\ntimeouts: { request_body: 5s }\n" + with_route("  - match: /a\n"));
  ASSERT_TRUE(set.config) << set.report();
  EXPECT_EQ(set.config->limits.request_buffering, 8u * 1024);
  EXPECT_EQ(set.config->timeouts.request_body, std::chrono::seconds(5));
  auto off = load("limits: { request_buffering: 0 }\n" + with_route("  - match: /a\n"));
  ASSERT_TRUE(off.config) << off.report();
  EXPECT_EQ(off.config->limits.request_buffering, 0u);
  // The buffer is the request's relay buffer: no more than 64KiB.
  std::string e = only_error("limits: { request_buffering: 1MiB }\n" + with_route("  - match: /a\n"));
  EXPECT_EQ(e.rfind("gateway.yaml:1:", 0), 0u) << e;
  EXPECT_NE(e.find("limits.request_buffering"), std::string::npos) << e;
  EXPECT_NE(e.find("at most 64KiB"), std::string::npos) << e;
}

TEST(Loader, TheHeaderLimitIsBoundedAbove) {
  std::string e = only_error("limits: { max_header_bytes: 2MiB }\n" + with_route("  - match: /a\n"));
  EXPECT_NE(e.find("limits.max_header_bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("at most 1MiB"), std::string::npos) << e;
}

// upto (issue 21): EVM only, through Permit2, settled after the answer.
TEST(Loader, UptoRouteAdvertisesPermit2AndIsV2Only) {
  auto r = load(with_route("  - match: /a\n    scheme: upto\n    price: \"$0.10\"\n"));
  ASSERT_TRUE(r.config) << r.report();
  const auto& q = r.config->routes[0].requirements[0];
  EXPECT_EQ(q.scheme, "upto");
  EXPECT_EQ(q.amount, "100000");  // the maximum
  EXPECT_EQ(q.extra["assetTransferMethod"], "permit2");
  EXPECT_EQ(q.extra["name"], "USDC");
  EXPECT_FALSE(x402gw::x402::offered_to_v1(q));
}

TEST(Loader, SettlementBeforeAndUptoIsRefusedWithItsLine) {
  std::string e = only_error(with_route("  - match: /a\n    scheme: upto\n    price: \"$0.10\"\n    settlement: before\n"));
  EXPECT_EQ(e.rfind("gateway.yaml:8:17: routes[0].settlement:", 0), 0u) << e;
  EXPECT_NE(e.find("cannot settle an upto"), std::string::npos) << e;
  // From the defaults too: the route is named.
  auto r = load("upstreams: { api: \"http://127.0.0.1:3000\" }\n"
                "facilitators: { f: { url: \"http://127.0.0.1:4020\" } }\n"
                "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base-sepolia, settlement: before }\n"
                "routes:\n  - { match: /a, scheme: upto, price: \"$0.10\" }\n");
  ASSERT_EQ(r.errors.size(), 1u) << r.report();
  EXPECT_EQ(r.errors[0].line, 5);
}

TEST(Loader, UptoIsForEvmNetworksOnly) {
  std::string e = only_error(with_route(
      "  - match: /a\n    scheme: upto\n    network: \"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp\"\n    pay_to: \"9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin\"\n    price: \"$0.10\"\n"));
  EXPECT_EQ(e.rfind("gateway.yaml:6:13: routes[0].scheme:", 0), 0u) << e;
  EXPECT_NE(e.find("EVM"), std::string::npos) << e;
}

TEST(Loader, APassIsRefusedOnAnUptoRoute) {
  std::string e = only_error(with_route("  - match: /a\n    scheme: upto\n    price: \"$0.10\"\n    on_repeat: pass\n"));
  EXPECT_EQ(e.rfind("gateway.yaml:8:16: routes[0].on_repeat:", 0), 0u) << e;
  EXPECT_NE(e.find("charges each answer"), std::string::npos) << e;
}
