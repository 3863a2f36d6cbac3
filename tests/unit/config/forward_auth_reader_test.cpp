#include "config/forward_auth_reader.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw::config;

namespace {

LoadResult load(const std::string& yaml) {
  return load_config_text(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

const std::string kPriced = R"(
facilitators:
  f: { url: "http://127.0.0.1:4000" }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia }
)";

}  // namespace

TEST(ForwardAuth, ListenerModeAndSecret) {
  auto r = load(R"(listen:
  - { address: "127.0.0.1:8403", mode: forward_auth }
forward_auth: { secret: "0123456789abcdef0123", secret_header: X-Proxy-Secret }
routes:
  - { match: "GET /api/*", price: "$0.01" }
  - { match: "/free/*" }
)" + kPriced);
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_TRUE(r.config->listen[0].forward_auth);
  EXPECT_EQ(r.config->forward_auth.secret, "0123456789abcdef0123");
  EXPECT_EQ(r.config->forward_auth.secret_header, "X-Proxy-Secret");
  // An auth-only gateway forwards nothing: it needs no upstream, and its priced routes settle first.
  EXPECT_EQ(r.config->routes[0].settlement, Settlement::before);
  EXPECT_TRUE(auth_only(*r.config));
}

TEST(ForwardAuth, TrustedProxiesAloneAreEnough) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }, ":8402"]
trusted_proxies: [10.0.0.0/8]
upstreams: { api: "http://127.0.0.1:3000" }
routes: [{ match: "/*" }]
)");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->forward_auth.secret_header, "X-Forward-Auth-Secret");
  EXPECT_FALSE(r.config->listen[1].forward_auth);
  EXPECT_FALSE(auth_only(*r.config));
}

TEST(ForwardAuth, NobodyToTrustIsRefused) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }]
routes: [{ match: "/*" }]
)");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("trusted_proxies"), std::string::npos) << r.report();
}

TEST(ForwardAuth, SectionWithoutListenerIsRefused) {
  auto r = load(R"(listen: ":8402"
forward_auth: { secret: "0123456789abcdef0123" }
upstreams: { api: "http://127.0.0.1:3000" }
routes: [{ match: "/*" }]
)");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("test.yaml:2"), std::string::npos) << r.report();
}

TEST(ForwardAuth, ShortSecretAndUnknownModeAreRefused) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }, { address: ":8404", mode: sidecar }]
forward_auth: { secret: "short" }
routes: [{ match: "/*" }]
)");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("at least 16"), std::string::npos) << r.report();
  EXPECT_NE(r.report().find("mode is 'proxy'"), std::string::npos) << r.report();
}

TEST(ForwardAuth, SettleAfterWrittenOutIsRefusedWithItsLine) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }]
trusted_proxies: [127.0.0.1]
routes:
  - { match: "GET /a", price: "$0.01" }
  - { match: "GET /b", price: "$0.01", settlement: after }
)" + kPriced);
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("test.yaml:5"), std::string::npos) << r.report();
  EXPECT_NE(r.report().find("settlement: after"), std::string::npos) << r.report();
}

TEST(ForwardAuth, SettleAfterAsThePaymentDefaultIsRefusedWithItsLine) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }]
trusted_proxies: [127.0.0.1]
routes:
  - { match: "GET /a", price: "$0.01" }
facilitators:
  f: { url: "http://127.0.0.1:4000" }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia, settlement: after }
)");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("test.yaml:7"), std::string::npos) << r.report();
}

TEST(ForwardAuth, ReplayAnswerIsRefused) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }]
trusted_proxies: [127.0.0.1]
routes:
  - { match: "GET /a", price: "$0.01", payment_identifier: { mode: replay_answer } }
)" + kPriced);
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("replay_answer"), std::string::npos) << r.report();
}

// An auth subrequest carries no body: a price read from it cannot be computed in this mode.
TEST(ForwardAuth, BodyPricedRoutesAreRefusedWithTheirLine) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }]
trusted_proxies: [127.0.0.1]
routes:
  - { match: "GET /a", price: { from: { query: tier }, table: { basic: "$0.01" } } }
  - { match: "POST /b", price: { from: { body: model }, table: { small: "$0.01" } } }
  - match: "POST /c"
    pricer: { url: "http://127.0.0.1:7000/price", fields: [model] }
)" + kPriced);
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("test.yaml:5"), std::string::npos) << r.report();
  EXPECT_NE(r.report().find("test.yaml:7"), std::string::npos) << r.report();
  EXPECT_EQ(r.report().find("test.yaml:4"), std::string::npos) << r.report();
}

TEST(ForwardAuth, PricesFromTheQueryOrAPricerWithoutTheBodyAreAllowed) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }]
trusted_proxies: [127.0.0.1]
routes:
  - { match: "GET /a", price: { from: { query: tier }, table: { basic: "$0.01", pro: "$0.02" } } }
  - match: "GET /c"
    pricer: { url: "http://127.0.0.1:7000/price", headers: [X-Plan] }
)" + kPriced);
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_FALSE(r.config->routes[0].price_reads_body());
  EXPECT_FALSE(r.config->routes[1].price_reads_body());
}

// A metered (upto) payment is settled for what the answer cost: an auth service never sees it.
TEST(ForwardAuth, MeteredRoutesAreRefusedWithTheirLine) {
  auto r = load(R"(listen: [{ address: ":8403", mode: forward_auth }]
trusted_proxies: [127.0.0.1]
routes:
  - { match: "GET /a", price: "$0.01" }
  - { match: "GET /m", price: "$0.10", scheme: upto }
)" + kPriced);
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("test.yaml:5"), std::string::npos) << r.report();
}
