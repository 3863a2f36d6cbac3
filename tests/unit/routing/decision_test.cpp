// The pure request -> decision step: which route, which host, which limit, or why refused.
#include "routing/decision.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw;
using routing::Decision;
using routing::RequestHead;

namespace {

// A configuration with one upstream, one facilitator and these routes (YAML list items).
config::ConfigPtr load_routes(const std::string& routes, const std::string& extra = "") {
  const std::string yaml = R"(listen: "127.0.0.1:0"
upstreams: { api: { url: "http://127.0.0.1:3000" } }
facilitators: { f: { url: "http://127.0.0.1:4020" } }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia }
)" + extra + "routes:\n" + routes;
  auto loaded = config::load_config_text(yaml, "test.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(loaded.config) << loaded.report();
  return loaded.config;
}

// The routes most tests decide against.
config::ConfigPtr load() {
  return load_routes(R"(  - { match: "GET /priced", price: "$0.01" }
  - { match: "GET /report", price: "$0.01", host: paid.example }
  - { match: "POST /upload", max_request_body: 5000 }
  - { match: "/*" }
)",
                     "limits: { max_request_body: 1000 }\n");
}

Decision decide(const config::Config& c, std::string_view method, std::string_view target, std::string_view host,
                unsigned version = 11) {
  return routing::decide(RequestHead{method, target, host, version}, c);
}

}  // namespace

TEST(Decision, PricedAndFreeRoutes) {
  auto c = load();
  auto d = decide(*c, "GET", "/priced", "api.example");
  EXPECT_EQ(d.kind, Decision::Kind::paid);
  EXPECT_EQ(d.route->match, "GET /priced");
  EXPECT_EQ(d.host, "api.example");
  EXPECT_EQ(decide(*c, "GET", "/free", "api.example").kind, Decision::Kind::forward);
}

TEST(Decision, MethodsMatchWhateverTheirCase) {
  auto c = load();
  EXPECT_EQ(decide(*c, "get", "/priced", "a").kind, Decision::Kind::paid);
  EXPECT_EQ(decide(*c, "Get", "/priced", "a").kind, Decision::Kind::paid);
  EXPECT_EQ(decide(*c, "head", "/priced", "a").kind, Decision::Kind::paid);
}

TEST(Decision, AnAbsoluteFormAuthorityReplacesTheHostHeader) {
  auto c = load();
  auto d = decide(*c, "GET", "http://free.example/report", "paid.example");
  EXPECT_EQ(d.kind, Decision::Kind::forward);
  EXPECT_EQ(d.host, "free.example");  // what the upstream will see, too
  d = decide(*c, "GET", "http://paid.example/report", "free.example");
  EXPECT_EQ(d.kind, Decision::Kind::paid);
  EXPECT_EQ(d.host, "paid.example");
}

TEST(Decision, HostsAreNormalisedBeforeMatching) {
  auto c = load();
  for (const char* host : {"paid.example", "paid.example.", "PAID.EXAMPLE.", "paid.example:8080", "Paid.Example.:80"})
    EXPECT_EQ(decide(*c, "GET", "/report", host).kind, Decision::Kind::paid) << host;
  EXPECT_EQ(decide(*c, "GET", "/report", "Paid.Example.:8080").host, "paid.example:8080");
}

TEST(Decision, InvalidHostsAreRefused) {
  auto c = load();
  for (const char* host : {"\xff", "a b", "a\"b", "evil.com/x", "a@b", "x..y", "host:99999"}) {
    auto d = decide(*c, "GET", "/priced", host);
    EXPECT_EQ(d.kind, Decision::Kind::refuse) << host;
    EXPECT_EQ(d.error, core::Error::invalid_host) << host;
  }
  auto d = decide(*c, "GET", "http://\xff/priced", "ok.example");
  EXPECT_EQ(d.error, core::Error::invalid_host);
}

TEST(Decision, Http11NeedsAHostAndHttp10DoesNot) {
  auto c = load();
  EXPECT_EQ(decide(*c, "GET", "/free", "", 11).kind, Decision::Kind::refuse);
  EXPECT_EQ(decide(*c, "GET", "/free", "", 10).kind, Decision::Kind::forward);
  // A host-restricted route is not reachable without a host.
  EXPECT_EQ(decide(*c, "GET", "/report", "", 10).kind, Decision::Kind::forward);
}

TEST(Decision, RefusedTargetsCloseTheConnection) {
  auto c = load();
  auto d = decide(*c, "GET", "/a%2Fb", "a");
  EXPECT_EQ(d.kind, Decision::Kind::refuse);
  EXPECT_EQ(d.error, core::Error::invalid_target);
  EXPECT_TRUE(d.close);
  EXPECT_EQ(decide(*c, "GET", "/" + std::string(9000, 'a'), "a").error, core::Error::target_too_long);
  EXPECT_EQ(decide(*c, "CONNECT", "a:443", "a").error, core::Error::bad_request);
}

TEST(Decision, TheRoutesBodyLimitAndTheCeiling) {
  auto c = load();
  EXPECT_EQ(c->limits.max_request_body_ceiling, 5000u);
  EXPECT_EQ(decide(*c, "POST", "/upload", "a").max_request_body, 5000u);
  EXPECT_EQ(decide(*c, "POST", "/other", "a").max_request_body, 1000u);
}

TEST(Decision, UnmatchedNotFoundAndDiscovery) {
  auto c = load_routes("  - { match: \"GET /priced\", price: \"$0.01\" }\n");
  ASSERT_TRUE(c);
  auto d = decide(*c, "GET", "/nothing", "a");
  EXPECT_EQ(d.error, core::Error::route_not_found);
  EXPECT_FALSE(d.close);
  EXPECT_EQ(decide(*c, "GET", "/.well-known/x402", "a").kind, Decision::Kind::discovery);
  EXPECT_EQ(decide(*c, "get", "/.well-known/x402", "a").kind, Decision::Kind::discovery);
}

TEST(Decision, ReservedHeadersIncludeEveryPayerHeader) {
  auto c = load_routes(R"(  - { match: "GET /a", price: "$0.01", payer_header: X-Buyer }
  - { match: "GET /b", price: "$0.01" }
  - { match: "/*" }
)");
  ASSERT_TRUE(c);
  const auto& reserved = c->reserved_headers;
  EXPECT_NE(std::find(reserved.begin(), reserved.end(), "X-Buyer"), reserved.end());
  EXPECT_NE(std::find(reserved.begin(), reserved.end(), "X-Payment-Payer"), reserved.end());
}
