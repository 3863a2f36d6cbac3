#include "net/client_hello.hpp"

#include <gtest/gtest.h>

using namespace x402gw::net;

namespace {
std::vector<unsigned char> bytes(std::initializer_list<int> list) { return std::vector<unsigned char>(list.begin(), list.end()); }
}  // namespace

TEST(ClientHello, ReadsTheServerName) {
  // list length 9, host_name (0), length 6, "A.Test"
  auto ext = bytes({0, 9, 0, 0, 6, 'A', '.', 'T', 'e', 's', 't'});
  EXPECT_EQ(parse_server_name(ext.data(), ext.size()), "a.test");
  auto truncated = bytes({0, 9, 0, 0, 6, 'A', '.'});
  EXPECT_FALSE(parse_server_name(truncated.data(), truncated.size()));
  auto nul = bytes({0, 5, 0, 0, 2, 'a', 0});
  EXPECT_FALSE(parse_server_name(nul.data(), nul.size()));
  EXPECT_FALSE(parse_server_name(nullptr, 0));
}

TEST(ClientHello, ReadsTheAlpnList) {
  auto ext = bytes({0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'});
  EXPECT_EQ(parse_alpn(ext.data(), ext.size()), (std::vector<std::string>{"h2", "http/1.1"}));
  auto bad = bytes({0, 4, 5, 'h', '2', 'x'});
  EXPECT_TRUE(parse_alpn(bad.data(), bad.size()).empty());
}

TEST(ClientHello, WildcardsCoverOneLabel) {
  EXPECT_TRUE(name_matches("a.test", "a.test"));
  EXPECT_TRUE(name_matches("*.example.com", "api.example.com"));
  EXPECT_FALSE(name_matches("*.example.com", "example.com"));
  EXPECT_FALSE(name_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(name_matches("b.test", "a.test"));
}
