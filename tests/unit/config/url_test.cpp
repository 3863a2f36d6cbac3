#include "config/url.hpp"

#include <gtest/gtest.h>

using namespace x402gw::config;

TEST(Url, ParsesHttpAndHttps) {
  std::string e;
  auto u = parse_url("https://x402.org/facilitator/", &e);
  ASSERT_TRUE(u) << e;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "x402.org");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->base_path, "/facilitator");
  EXPECT_EQ(u->host_header(), "x402.org");
  auto v = parse_url("http://[::1]:3000", &e);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "::1");
  EXPECT_EQ(v->host_header(), "[::1]:3000");
}

TEST(Url, RefusesWhatItCannotUse) {
  std::string e;
  EXPECT_FALSE(parse_url("ftp://x", &e));
  EXPECT_FALSE(parse_url("http://", &e));
  EXPECT_FALSE(parse_url("http://a:b@host/", &e));
  EXPECT_FALSE(parse_url("http://host:99999/", &e));
  EXPECT_FALSE(parse_url("http://host/?q=1", &e));
}

TEST(Url, ListenAddresses) {
  std::string e;
  EXPECT_EQ(parse_listen_address("0.0.0.0:8402", &e)->port, 8402);
  EXPECT_EQ(parse_listen_address("[::1]:0", &e)->host, "::1");
  EXPECT_EQ(parse_listen_address(":9402", &e)->host, "");
  EXPECT_FALSE(parse_listen_address("8402", &e));
  EXPECT_FALSE(parse_listen_address("host:port", &e));
}
