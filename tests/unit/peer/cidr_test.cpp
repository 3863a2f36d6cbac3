#include "peer/cidr.hpp"

#include <gtest/gtest.h>

using namespace x402gw::peer;

namespace {

IpAddress ip(const char* text) {
  auto a = parse_ip(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress{});
}

Cidr cidr(const char* text) {
  std::string why;
  auto c = parse_cidr(text, &why);
  EXPECT_TRUE(c) << text << ": " << why;
  return c.value_or(Cidr{});
}

std::string cidr_error(const char* text) {
  std::string why;
  EXPECT_FALSE(parse_cidr(text, &why)) << text;
  return why;
}

}  // namespace

TEST(IpAddress, ParsesAndWritesBothFamilies) {
  EXPECT_TRUE(ip("10.1.2.3").v4);
  EXPECT_EQ(ip("10.1.2.3").to_string(), "10.1.2.3");
  EXPECT_FALSE(ip("2001:db8::1").v4);
  EXPECT_EQ(ip("2001:DB8:0:0::1").to_string(), "2001:db8::1");
  EXPECT_EQ(ip("::1").to_string(), "::1");
}

TEST(IpAddress, MappedIpv6IsTheIpv4Address) {
  EXPECT_TRUE(ip("::ffff:192.0.2.7").v4);
  EXPECT_EQ(ip("::ffff:192.0.2.7"), ip("192.0.2.7"));
  const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7};
  EXPECT_EQ(ip_from_bytes(mapped, 16), ip("192.0.2.7"));
}

TEST(IpAddress, RefusesWhatIsNotAnAddress) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4x", "host.example", "[::1]", "::1%eth0",
                          "1.2.3.4 ", "fe80::1::2", "1.2.3.4:80"})
    EXPECT_FALSE(parse_ip(bad)) << bad;
  EXPECT_FALSE(parse_ip(std::string(100, '1')));
}

TEST(Cidr, MatchesIpv4Ranges) {
  const Cidr r = cidr("10.0.0.0/8");
  EXPECT_TRUE(r.contains(ip("10.0.0.0")));
  EXPECT_TRUE(r.contains(ip("10.255.255.255")));
  EXPECT_FALSE(r.contains(ip("11.0.0.0")));
  EXPECT_FALSE(r.contains(ip("9.255.255.255")));
  const Cidr odd = cidr("192.168.4.0/22");  // a prefix inside a byte
  EXPECT_TRUE(odd.contains(ip("192.168.7.255")));
  EXPECT_FALSE(odd.contains(ip("192.168.8.0")));
  EXPECT_FALSE(odd.contains(ip("192.168.3.255")));
}

TEST(Cidr, MatchesIpv6RangesAndNeverTheOtherFamily) {
  const Cidr r = cidr("fd00::/8");
  EXPECT_TRUE(r.contains(ip("fd12:3456::1")));
  EXPECT_FALSE(r.contains(ip("fe80::1")));
  EXPECT_FALSE(r.contains(ip("10.0.0.1")));
  EXPECT_FALSE(cidr("0.0.0.0/0").contains(ip("::1")));
  EXPECT_TRUE(cidr("0.0.0.0/0").contains(ip("203.0.113.9")));
  EXPECT_TRUE(cidr("::/0").contains(ip("2001:db8::5")));
  const Cidr r57 = cidr("2001:db8:0:80::/57");
  EXPECT_TRUE(r57.contains(ip("2001:db8:0:ff::1")));
  EXPECT_FALSE(r57.contains(ip("2001:db8:0:100::1")));
}

TEST(Cidr, ABareAddressIsARangeOfOne) {
  EXPECT_EQ(cidr("127.0.0.1").prefix, 32u);
  EXPECT_TRUE(cidr("127.0.0.1").contains(ip("127.0.0.1")));
  EXPECT_FALSE(cidr("127.0.0.1").contains(ip("127.0.0.2")));
  EXPECT_EQ(cidr("::1").prefix, 128u);
  EXPECT_TRUE(cidr("::1").contains(ip("::1")));
  EXPECT_EQ(cidr("10.0.0.0/8").to_string(), "10.0.0.0/8");
}

TEST(Cidr, RefusesBadRangesWithAReason) {
  EXPECT_NE(cidr_error("10.0.0.0/33").find("0..32"), std::string::npos);
  EXPECT_NE(cidr_error("fd00::/129").find("0..128"), std::string::npos);
  EXPECT_NE(cidr_error("10.0.0.0/").find("prefix"), std::string::npos);
  EXPECT_NE(cidr_error("10.0.0.0/8x").find("prefix"), std::string::npos);
  EXPECT_NE(cidr_error("10.0.0.0/-1").find("prefix"), std::string::npos);
  EXPECT_NE(cidr_error("ten/8").find("not an IPv4 or IPv6"), std::string::npos);
  EXPECT_NE(cidr_error("10.0.0.1/8").find("did you mean 10.0.0.0/8"), std::string::npos);
  EXPECT_NE(cidr_error("::ffff:10.0.0.0/104").find("IPv4 notation"), std::string::npos);
}

TEST(TrustedProxies, AnyRangeMatches) {
  TrustedProxies t{{cidr("10.0.0.0/8"), cidr("::1")}};
  EXPECT_TRUE(t.contains(ip("10.9.9.9")));
  EXPECT_TRUE(t.contains(ip("::1")));
  EXPECT_FALSE(t.contains(ip("127.0.0.1")));
  EXPECT_FALSE(TrustedProxies{}.contains(ip("10.0.0.1")));
}
