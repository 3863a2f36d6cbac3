#include "routing/host.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace x402gw::routing;

namespace {
// "host" or "host|port" for an accepted authority, "refused" otherwise.
std::string parsed(std::string_view text) {
  auto a = parse_authority(text);
  if (!a) return "refused";
  return a->port ? a->host + "|" + std::to_string(*a->port) : a->host;
}
}  // namespace

TEST(Host, RegisteredNamesAreLowerCasedWithoutTrailingDot) {
  EXPECT_EQ(parsed("example.com"), "example.com");
  EXPECT_EQ(parsed("EXAMPLE.com."), "example.com");
  EXPECT_EQ(parsed("paid.example.:8080"), "paid.example|8080");
  EXPECT_EQ(parsed("Api.Example.Com:8402"), "api.example.com|8402");
  EXPECT_EQ(parsed("localhost"), "localhost");
  EXPECT_EQ(parsed("my_host-1.internal"), "my_host-1.internal");
  EXPECT_EQ(parsed("a-b_c~1.example"), "a-b_c~1.example");  // RFC 3986 unreserved
  EXPECT_EQ(parsed("123.example"), "123.example");
  EXPECT_EQ(parsed("h:1"), "h|1");
  EXPECT_EQ(parsed("h:65535"), "h|65535");
  EXPECT_EQ(parsed("h:0080"), "h|80");
  EXPECT_EQ(parsed(std::string(255, 'a')), std::string(255, 'a'));
}

TEST(Host, IpLiterals) {
  EXPECT_EQ(parsed("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(parsed("127.0.0.1.:80"), "127.0.0.1|80");
  EXPECT_EQ(parsed("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(parsed("[::1]:80"), "[::1]|80");
  EXPECT_EQ(parsed("[::1]"), "[::1]");
  EXPECT_EQ(parsed("[::]"), "[::]");
  // One spelling per address (RFC 5952), so "[0:0::1]" meets a route for "[::1]".
  EXPECT_EQ(parsed("[0:0:0:0:0:0:0:1]"), "[::1]");
  EXPECT_EQ(parsed("[2001:DB8:0000::0001]"), "[2001:db8::1]");
  EXPECT_EQ(parsed("[2001:db8:0:0:1:0:0:1]"), "[2001:db8::1:0:0:1]");
  EXPECT_EQ(parsed("[1:0:2:3:4:5:6:7]"), "[1:0:2:3:4:5:6:7]");
  EXPECT_EQ(parsed("[1::]"), "[1::]");
  EXPECT_EQ(parsed("[::ffff:192.0.2.1]:443"), "[::ffff:c000:201]|443");
}

TEST(Host, RefusesWhatIsNotAHost) {
  for (const char* bad :
       {"", "\xff", "ex\xc3\xa4mple.com", "a b", " a", "a ", "a\"b", "a\tb", "a\r\nb", "a@b", "user@host", "a/b",
        "a\\b", "a%2eb", "%41", "a,b", "a;b", "a?b", "a#b", "a*b", "(a)", "x..y", ".", "..", ".example", "example..",
        ":80", "host:", "host:99999", "host:65536", "host:0", "host:8a", "host:+80", "host:-1", "host: 80",
        "host:80:80", "host:123456", "1.2.3", "1.2.3.256", "01.2.3.4", "1.2.3.4.5", "0x7f.0.0.1", "1.2.3.0x4",
        "example.123", "::1", "[::1", "::1]", "[::1]x", "[::1]:", "[]", "[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]",
        "[1::2::3]", "[:1::2]", "[1::2:]", "[12345::]", "[fe80::1%25eth0]", "[fe80::1%eth0]", "[v1.x]",
        "[::1.2.3]", "[::1.2.3.4:5]", "[g::]", "[ ::1]"}) {
    EXPECT_EQ(parsed(bad), "refused") << bad;
  }
  EXPECT_EQ(parsed(std::string_view("a\0b", 3)), "refused");
  EXPECT_EQ(parsed(std::string(256, 'a')), "refused");
  EXPECT_EQ(parsed(std::string(200, 'a') + "." + std::string(60, 'b')), "refused");
}

// Random authorities over the characters hosts are made of: whatever is accepted comes back
// canonical (parsing the canonical host again changes nothing), lower case, without trailing dot.
TEST(Host, CanonicalFormIsAFixedPoint) {
  const std::vector<std::string> pieces = {"a", "B", "0", "1", "255", "256", "01", "0x1", ".", ":", "::", "[", "]",
                                           "f", "ffff", "-", "_", "%", " ", "@", "8080", "\xc3\xa9"};
  std::mt19937 rng(402);
  int accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string text;
    for (int n = 1 + static_cast<int>(rng() % 8); n > 0; --n) text += pieces[rng() % pieces.size()];
    auto a = parse_authority(text);
    if (!a) continue;
    ++accepted;
    auto again = parse_authority(a->host);
    ASSERT_TRUE(again) << text;
    EXPECT_EQ(again->host, a->host) << text;
    EXPECT_EQ(again->port, std::nullopt) << text;
    EXPECT_NE(a->host.back(), '.') << text;
    for (char c : a->host) EXPECT_FALSE(c >= 'A' && c <= 'Z') << text;
  }
  EXPECT_GT(accepted, 1000);
}
