#include "http/forward_auth_request.hpp"

#include <gtest/gtest.h>

#include "net/head_fields.hpp"

using namespace x402gw::http;
namespace bhttp = boost::beast::http;

namespace {

std::vector<x402gw::net::RequestHead::Field> fields(std::initializer_list<std::pair<std::string, std::string>> list) {
  return x402gw::testing::head_fields(list);
}

}  // namespace

TEST(ForwardAuthRequest, Endpoints) {
  EXPECT_EQ(endpoint_of("/auth"), AuthEndpoint::generic);
  EXPECT_EQ(endpoint_of("/auth?x=1"), AuthEndpoint::generic);
  EXPECT_EQ(endpoint_of("/auth/nginx"), AuthEndpoint::nginx);
  EXPECT_EQ(endpoint_of("/auth/nginx/reply"), AuthEndpoint::nginx_reply);
  EXPECT_EQ(endpoint_of("/auth/envoy/api/x?q=1"), AuthEndpoint::envoy);
  EXPECT_EQ(endpoint_of("/auth/envoy"), AuthEndpoint::unknown);
  EXPECT_EQ(endpoint_of("/auth/envoyx/a"), AuthEndpoint::unknown);
  EXPECT_EQ(endpoint_of("/api/weather"), AuthEndpoint::unknown);
}

TEST(ForwardAuthRequest, CaddyAndTraefikHeaders) {
  auto r = read_original(AuthEndpoint::generic,
                         fields({{"Host", "auth:8403"}, {"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/api/w?city=Paris"},
                                 {"X-Forwarded-Host", "api.example.com"}, {"X-Forwarded-Proto", "https"}}),
                         "GET", "/auth");
  ASSERT_TRUE(std::holds_alternative<OriginalRequest>(r)) << std::get<std::string>(r);
  const auto& o = std::get<OriginalRequest>(r);
  EXPECT_EQ(o.method, "GET");
  EXPECT_EQ(o.target, "/api/w?city=Paris");
  EXPECT_EQ(o.host, "api.example.com");
  EXPECT_TRUE(o.https);
}

TEST(ForwardAuthRequest, EachEndpointReadsOnlyItsOwnFamily) {
  // A client's X-Forwarded-Uri that nginx passed along is not what /auth/nginx reads.
  auto r = read_original(AuthEndpoint::nginx,
                         fields({{"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/free"}, {"X-Original-Method", "POST"},
                                 {"X-Original-URI", "/api/paid"}, {"X-Original-Host", "api.example.com"}}),
                         "GET", "/auth/nginx");
  ASSERT_TRUE(std::holds_alternative<OriginalRequest>(r));
  EXPECT_EQ(std::get<OriginalRequest>(r).method, "POST");
  EXPECT_EQ(std::get<OriginalRequest>(r).target, "/api/paid");
  auto g = read_original(AuthEndpoint::generic, fields({{"X-Original-Method", "GET"}, {"X-Original-URI", "/api/paid"}}), "GET", "/auth");
  ASSERT_TRUE(std::holds_alternative<std::string>(g));
  EXPECT_NE(std::get<std::string>(g).find("X-Forwarded-Method"), std::string::npos);
}

TEST(ForwardAuthRequest, IngressNginxOriginalUrl) {
  auto r = read_original(AuthEndpoint::nginx,
                         fields({{"Host", "gateway.svc"}, {"X-Original-Method", "GET"}, {"X-Original-URL", "https://api.example.com/api/w?x=1"}}),
                         "GET", "/auth/nginx");
  ASSERT_TRUE(std::holds_alternative<OriginalRequest>(r)) << std::get<std::string>(r);
  const auto& o = std::get<OriginalRequest>(r);
  EXPECT_EQ(o.target, "/api/w?x=1");
  EXPECT_EQ(o.host, "api.example.com");
  EXPECT_TRUE(o.https);
}

// ingress-nginx passes the client's own headers to the auth call beside its own X-Original-URL: a
// client's X-Original-URI naming a free path must not price the request it really makes.
TEST(ForwardAuthRequest, IngressNginxUrlAndAClientsUriMustAgree) {
  auto forged = read_original(AuthEndpoint::nginx,
                              fields({{"X-Original-Method", "GET"}, {"X-Original-URI", "/health"},
                                      {"X-Original-URL", "https://api.example.com/api/weather"}}),
                              "GET", "/auth/nginx");
  ASSERT_TRUE(std::holds_alternative<std::string>(forged));
  EXPECT_NE(std::get<std::string>(forged).find("different requests"), std::string::npos);
  auto other_host = read_original(AuthEndpoint::nginx,
                                  fields({{"X-Original-Method", "GET"}, {"X-Original-Host", "free.example.com"},
                                          {"X-Original-URL", "https://api.example.com/api/weather"}}),
                                  "GET", "/auth/nginx");
  EXPECT_TRUE(std::holds_alternative<std::string>(other_host));
  auto agreeing = read_original(AuthEndpoint::nginx,
                                fields({{"X-Original-Method", "GET"}, {"X-Original-URI", "/api/weather?x=1"},
                                        {"X-Original-Host", "API.example.com"},
                                        {"X-Original-URL", "https://api.example.com/api/weather?x=1"}}),
                                "GET", "/auth/nginx");
  ASSERT_TRUE(std::holds_alternative<OriginalRequest>(agreeing)) << std::get<std::string>(agreeing);
  EXPECT_EQ(std::get<OriginalRequest>(agreeing).target, "/api/weather?x=1");
}

TEST(ForwardAuthRequest, EnvoyPathAfterThePrefix) {
  auto r = read_original(AuthEndpoint::envoy, fields({{"Host", "api.example.com"}, {"X-Forwarded-Proto", "http"}}), "POST",
                         "/auth/envoy/api/w?x=1");
  ASSERT_TRUE(std::holds_alternative<OriginalRequest>(r)) << std::get<std::string>(r);
  const auto& o = std::get<OriginalRequest>(r);
  EXPECT_EQ(o.method, "POST");
  EXPECT_EQ(o.target, "/api/w?x=1");
  EXPECT_EQ(o.host, "api.example.com");
  EXPECT_FALSE(o.https);
}

TEST(ForwardAuthRequest, MissingRepeatedOrBadHeadersAreRefused) {
  EXPECT_TRUE(std::holds_alternative<std::string>(read_original(AuthEndpoint::generic, fields({{"X-Forwarded-Method", "GET"}}), "GET", "/auth")));
  EXPECT_TRUE(std::holds_alternative<std::string>(
      read_original(AuthEndpoint::generic, fields({{"X-Forwarded-Method", "get"}, {"X-Forwarded-Uri", "/a"}}), "GET", "/auth")));
  EXPECT_TRUE(std::holds_alternative<std::string>(read_original(
      AuthEndpoint::generic, fields({{"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/a"}, {"X-Forwarded-Uri", "/b"}}), "GET", "/auth")));
  EXPECT_TRUE(std::holds_alternative<std::string>(
      read_original(AuthEndpoint::nginx, fields({{"X-Original-Method", "GET"}, {"X-Original-URL", "not-a-url"}}), "GET", "/auth/nginx")));
}

TEST(ForwardAuthRequest, SecretComparison) {
  EXPECT_TRUE(secret_matches(fields({{"X-Secret", "0123456789abcdef"}}), "X-Secret", "0123456789abcdef"));
  EXPECT_FALSE(secret_matches(fields({{"X-Secret", "0123456789abcdeX"}}), "X-Secret", "0123456789abcdef"));
  EXPECT_FALSE(secret_matches(fields({{"X-Secret", "0123456789abcde"}}), "X-Secret", "0123456789abcdef"));
  EXPECT_FALSE(secret_matches(fields({{"X-Secret", "0123456789abcdef"}, {"X-Secret", "0123456789abcdef"}}), "X-Secret", "0123456789abcdef"));
  EXPECT_FALSE(secret_matches(fields({}), "X-Secret", "0123456789abcdef"));
  EXPECT_FALSE(secret_matches(fields({{"X-Secret", ""}}), "X-Secret", ""));
}

// ingress-nginx sets X-Original-URL but not X-Original-URI, and passes the client's own headers on
// to the auth call: a client's X-Original-URI (or -Host) naming a free path must not be believed
// over the URL the controller set, nor the other way round behind the plain nginx recipe.
TEST(ForwardAuthRequest, OriginalUriAndUrlThatDisagreeAreRefused) {
  auto forged_uri = read_original(AuthEndpoint::nginx,
                                  fields({{"X-Original-Method", "GET"}, {"X-Original-URI", "/free/x"},
                                          {"X-Original-URL", "http://api.example.com/api/weather"}}),
                                  "GET", "/auth/nginx");
  EXPECT_TRUE(std::holds_alternative<std::string>(forged_uri));
  auto forged_host = read_original(AuthEndpoint::nginx,
                                   fields({{"X-Original-Method", "GET"}, {"X-Original-Host", "free.example.com"},
                                           {"X-Original-URL", "http://api.example.com/api/weather"}}),
                                   "GET", "/auth/nginx");
  EXPECT_TRUE(std::holds_alternative<std::string>(forged_host));
  // Both set by the proxy, naming the same request: believed.
  auto agreeing = read_original(AuthEndpoint::nginx,
                                fields({{"X-Original-Method", "GET"}, {"X-Original-URI", "/api/weather?x=1"},
                                        {"X-Original-Host", "API.example.com"},
                                        {"X-Original-URL", "http://api.example.com/api/weather?x=1"}}),
                                "GET", "/auth/nginx");
  ASSERT_TRUE(std::holds_alternative<OriginalRequest>(agreeing)) << std::get<std::string>(agreeing);
  EXPECT_EQ(std::get<OriginalRequest>(agreeing).target, "/api/weather?x=1");
  EXPECT_EQ(std::get<OriginalRequest>(agreeing).host, "api.example.com");  // the URL's, as the client named it
}

// ingress-nginx builds X-Original-URL from the Host header ($http_host), but routes (and picks the
// backend) by the request line's host for an absolute-form request: the recipe sends that host,
// nginx's $host (no port), in X-Original-Host. It agrees with the URL's host whatever the port, and
// an absolute-form request whose Host header names another host is refused.
TEST(ForwardAuthRequest, IngressHostWithoutPortAgreesWithTheUrl) {
  auto same = read_original(AuthEndpoint::nginx,
                            fields({{"X-Original-Method", "GET"}, {"X-Original-Host", "api.example.com"},
                                    {"X-Original-URL", "https://API.example.com:8443/api/weather"}}),
                            "GET", "/auth/nginx");
  ASSERT_TRUE(std::holds_alternative<OriginalRequest>(same)) << std::get<std::string>(same);
  // The URL's host, with the port the client named: the 402's resource URL keeps it.
  EXPECT_EQ(std::get<OriginalRequest>(same).host, "API.example.com:8443");
  auto v6 = read_original(AuthEndpoint::nginx,
                          fields({{"X-Original-Method", "GET"}, {"X-Original-Host", "[::1]"}, {"X-Original-URL", "http://[::1]:8080/x"}}),
                          "GET", "/auth/nginx");
  EXPECT_TRUE(std::holds_alternative<OriginalRequest>(v6));
  auto other = read_original(AuthEndpoint::nginx,
                             fields({{"X-Original-Method", "GET"}, {"X-Original-Host", "api.example.com"},
                                     {"X-Original-URL", "http://www.example.com:80/api/weather"}}),
                             "GET", "/auth/nginx");
  EXPECT_TRUE(std::holds_alternative<std::string>(other));
  // The port is no part of the host: "api.example.com:80" does not agree with "api.example.com:8080".
  auto ports = read_original(AuthEndpoint::nginx,
                             fields({{"X-Original-Method", "GET"}, {"X-Original-Host", "api.example.com:80"},
                                     {"X-Original-URL", "http://api.example.com:8080/api/weather"}}),
                             "GET", "/auth/nginx");
  EXPECT_TRUE(std::holds_alternative<std::string>(ports));
}
