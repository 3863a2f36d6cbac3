#include "http/forward_auth.hpp"

#include <gtest/gtest.h>

#include "net/head_fields.hpp"

#include "config/loader.hpp"

using namespace x402gw;
namespace bhttp = boost::beast::http;

namespace {

config::ConfigPtr load() {
  auto r = config::load_config_text(R"(listen: [{ address: "127.0.0.1:8403", mode: forward_auth }]
forward_auth: { secret: "0123456789abcdef0123" }
facilitators: { f: { url: "http://127.0.0.1:4000" } }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia }
routes:
  - { match: "GET /api/weather", price: "$0.01" }
  - { match: "/free/*", host: shop.example }
)", "test.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  EXPECT_TRUE(r.config) << r.report();
  return r.config;
}

std::vector<net::RequestHead::Field> fields(std::initializer_list<std::pair<std::string, std::string>> list) {
  return x402gw::testing::head_fields(list);
}

}  // namespace

TEST(ForwardAuthCall, AnUntrustedCallerIsRefusedWhateverItNames) {
  const auto config = load();
  const auto call = http::forward_auth_call(*config, fields({{"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/free/x"}}), "GET", "/auth", false);
  EXPECT_FALSE(call.trusted);
  EXPECT_EQ(call.decision.kind, routing::Decision::Kind::refuse);
  EXPECT_EQ(call.decision.error, core::Error::forward_auth_untrusted);
}

TEST(ForwardAuthCall, TheSecretOrATrustedPeerIsBelieved) {
  const auto config = load();
  const auto by_secret = http::forward_auth_call(
      *config, fields({{"X-Forward-Auth-Secret", "0123456789abcdef0123"}, {"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/api/weather"}, {"Host", "a"}}),
      "GET", "/auth", false);
  EXPECT_TRUE(by_secret.trusted);
  EXPECT_EQ(by_secret.decision.kind, routing::Decision::Kind::paid);
  const auto by_peer = http::forward_auth_call(*config, fields({{"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/api/weather"}, {"Host", "a"}}),
                                               "GET", "/auth", true);
  EXPECT_EQ(by_peer.decision.kind, routing::Decision::Kind::paid);
}

TEST(ForwardAuthCall, TheOriginalRequestIsRoutedAsTheReverseProxyWould) {
  const auto config = load();
  // The host restriction reads the original host, not the auth call's Host.
  auto call = http::forward_auth_call(*config,
                                      fields({{"Host", "auth.internal"}, {"X-Forwarded-Method", "POST"}, {"X-Forwarded-Uri", "/free/a/../b"},
                                              {"X-Forwarded-Host", "Shop.Example."}, {"X-Forwarded-Proto", "https"}}),
                                      "GET", "/auth", true);
  EXPECT_EQ(call.decision.kind, routing::Decision::Kind::forward);
  EXPECT_EQ(call.decision.target.path, "/free/b");
  EXPECT_TRUE(call.https);
  call = http::forward_auth_call(*config, fields({{"Host", "auth.internal"}, {"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/free/a"}}), "GET", "/auth", true);
  EXPECT_EQ(call.decision.error, core::Error::route_not_found);
  // A target the reverse proxy refuses is refused alike, and the proxy's connection stays open.
  call = http::forward_auth_call(*config, fields({{"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/api/%00"}, {"Host", "a"}}), "GET", "/auth", true);
  EXPECT_EQ(call.decision.kind, routing::Decision::Kind::refuse);
  EXPECT_EQ(call.decision.error, core::Error::invalid_target);
  EXPECT_FALSE(call.decision.close);
}

TEST(ForwardAuthCall, ACallThatNamesNothingOrAnUnknownPath) {
  const auto config = load();
  auto call = http::forward_auth_call(*config, fields({{"X-Forwarded-Method", "GET"}}), "GET", "/auth", true);
  EXPECT_EQ(call.decision.error, core::Error::forward_auth_incomplete);
  call = http::forward_auth_call(*config, fields({}), "GET", "/other", true);
  EXPECT_EQ(call.decision.error, core::Error::forward_auth_not_found);
}
