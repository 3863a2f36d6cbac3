#include "upstream/headers.hpp"

#include <gtest/gtest.h>

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

TEST(UpstreamHeaders, AppendsToForwardedFor) {
  bhttp::fields f;
  f.insert("X-Forwarded-For", "10.0.0.1");
  f.insert("X-Forwarded-For", "10.0.0.2");
  add_forwarded(f, "127.0.0.1", "http", "api.example:8080");
  EXPECT_EQ(f["X-Forwarded-For"], "10.0.0.1, 10.0.0.2, 127.0.0.1");
  EXPECT_EQ(f["X-Forwarded-Proto"], "http");
  EXPECT_EQ(f["X-Forwarded-Host"], "api.example:8080");
  EXPECT_EQ(f.count("X-Forwarded-For"), 1u);
}

TEST(UpstreamHeaders, NoForwardedHostWithoutAHost) {
  bhttp::fields f;
  add_forwarded(f, "::1", "http", "");
  EXPECT_EQ(f.count("X-Forwarded-Host"), 0u);
  EXPECT_EQ(f["X-Forwarded-For"], "::1");
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
