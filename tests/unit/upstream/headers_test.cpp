#include "upstream/headers.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

using namespace x402gw::upstream;
namespace bhttp = boost::beast::http;

TEST(UpstreamHeaders, RemovesHopByHopAndTheFieldsConnectionNames) {
  bhttp::fields f;
  f.set(bhttp::field::connection, "keep-alive, X-Secret ,  x-other");
  f.set("X-Secret", "1");
  f.set("X-Other", "2");
  f.set(bhttp::field::keep_alive, "timeout=5");
  f.set(bhttp::field::te, "trailers");
  f.set(bhttp::field::upgrade, "websocket");
  f.set(bhttp::field::proxy_authorization, "Basic x");
  f.set("X-Kept", "3");
  remove_hop_by_hop(f);
  for (const char* gone : {"Connection", "X-Secret", "X-Other", "Keep-Alive", "TE", "Upgrade", "Proxy-Authorization"})
    EXPECT_EQ(f.count(gone), 0u) << gone;
  EXPECT_EQ(f["X-Kept"], "3");
}

TEST(UpstreamHeaders, ConnectionCannotStripTheFraming) {
  bhttp::fields f;
  f.set(bhttp::field::connection, "transfer-encoding, content-length");
  f.set(bhttp::field::transfer_encoding, "chunked");
  f.set(bhttp::field::content_length, "4");
  remove_hop_by_hop(f);
  EXPECT_EQ(f.count(bhttp::field::transfer_encoding), 1u);
  EXPECT_EQ(f.count(bhttp::field::content_length), 1u);
}

namespace {

// Every forwarding header, forged by the client.
bhttp::fields forged() {
  bhttp::fields f;
  for (auto name : forwarding_headers()) f.set(name, "forged");
  f.set("X-Forwarded-For", "6.6.6.6");
  f.set("Forwarded", "for=6.6.6.6;proto=https;host=evil.example");
  f.set("X-Kept", "1");
  return f;
}

}  // namespace

TEST(ForwardingHeaders, FromAnUntrustedClientOnlyTheGatewaysOwnReachTheUpstream) {
  bhttp::fields f = forged();
  set_forwarding(f, {"203.0.113.5"}, false, "http", "api.example:8080");
  const std::set<std::string> set_by_gateway = {"X-Forwarded-For", "X-Real-IP", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded"};
  for (auto name : forwarding_headers()) {
    if (!set_by_gateway.count(std::string(name))) {
      EXPECT_EQ(f.count(name), 0u) << name;
    }
  }
  EXPECT_EQ(f["X-Forwarded-For"], "203.0.113.5");
  EXPECT_EQ(f["X-Real-IP"], "203.0.113.5");
  EXPECT_EQ(f["X-Forwarded-Proto"], "http");
  EXPECT_EQ(f["X-Forwarded-Host"], "api.example:8080");
  EXPECT_EQ(f["Forwarded"], "for=203.0.113.5;host=\"api.example:8080\";proto=http");
  for (const char* one : {"X-Forwarded-For", "X-Real-IP", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded"})
    EXPECT_EQ(f.count(one), 1u) << one;
  EXPECT_EQ(f["X-Kept"], "1");
}

TEST(ForwardingHeaders, TheClassCoversWhatFrameworksRead) {
  std::set<std::string> names;
  for (auto name : forwarding_headers()) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(names.insert(lower).second) << "listed twice: " << name;
  }
  for (const char* name : {"forwarded", "x-forwarded-for", "x-real-ip", "x-forwarded-port", "x-forwarded-prefix",
                           "x-forwarded-server", "x-forwarded-ssl", "front-end-https", "x-forwarded-scheme",
                           "x-client-ip", "true-client-ip", "cf-connecting-ip", "x-cluster-client-ip", "forwarded-for",
                           "x-forwarded", "x-forwarded-client-cert", "client-cert"})
    EXPECT_TRUE(names.count(name)) << name;
}

TEST(ForwardingHeaders, FromATrustedProxyItsHeadersStayAndTheChainIsTheBelievedOne) {
  bhttp::fields f = forged();
  f.set("X-Forwarded-Proto", "https");
  f.set("X-Forwarded-Host", "public.example");
  f.set("X-Forwarded-Prefix", "/api");
  set_forwarding(f, {"198.51.100.7", "10.0.0.9", "10.0.0.2"}, true, "http", "internal:8402");
  EXPECT_EQ(f["X-Forwarded-For"], "198.51.100.7, 10.0.0.9, 10.0.0.2");
  EXPECT_EQ(f["X-Real-IP"], "198.51.100.7");
  EXPECT_EQ(f["X-Forwarded-Proto"], "https");
  EXPECT_EQ(f["X-Forwarded-Host"], "public.example");
  EXPECT_EQ(f["X-Forwarded-Prefix"], "/api");
  EXPECT_EQ(f["Forwarded"], "for=198.51.100.7;host=\"public.example\";proto=https, for=10.0.0.9, for=10.0.0.2");
}

TEST(ForwardingHeaders, ATrustedProxysOddSchemeDoesNotReachForwarded) {
  bhttp::fields f;
  f.set("X-Forwarded-Proto", "gopher");
  set_forwarding(f, {"10.0.0.2"}, true, "https", "");
  EXPECT_EQ(f["X-Forwarded-Proto"], "gopher");  // the trusted proxy's word, as it said it
  EXPECT_EQ(f["Forwarded"], "for=10.0.0.2;proto=https");
  EXPECT_EQ(f.count("X-Forwarded-Host"), 0u);
}

TEST(ForwardingHeaders, AnUnknownClientHasNoAddress) {
  bhttp::fields f = forged();
  set_forwarding(f, {}, false, "https", "api.example");
  EXPECT_EQ(f.count("X-Forwarded-For"), 0u);
  EXPECT_EQ(f.count("X-Real-IP"), 0u);
  EXPECT_EQ(f["Forwarded"], "for=unknown;host=\"api.example\";proto=https");
}

TEST(ForwardingHeaders, Ipv6NodesAreBracketedAndQuoted) {
  bhttp::fields f;
  set_forwarding(f, {"2001:db8::5"}, false, "http", "h\"x");
  EXPECT_EQ(f["X-Forwarded-For"], "2001:db8::5");
  EXPECT_EQ(f["Forwarded"], "for=\"[2001:db8::5]\";host=\"h\\\"x\";proto=http");
}

TEST(UpstreamHeaders, RemovesWhatOnlyTheGatewayMaySay) {
  bhttp::fields f;
  for (auto name : override_headers()) f.set(name, "/priced");
  f.set("x-payment-payer", "0xforged");
  f.set("X-Buyer", "0xforged");
  f.set("X-Kept", "1");
  remove_client_controlled(f, {"X-Payment-Payer", "X-Buyer"});
  for (auto name : override_headers()) EXPECT_EQ(f.count(name), 0u) << name;
  EXPECT_EQ(f.count("X-Payment-Payer"), 0u);
  EXPECT_EQ(f.count("X-Buyer"), 0u);
  EXPECT_EQ(f["X-Kept"], "1");
}
