#include "peer/forwarded_for.hpp"

#include <gtest/gtest.h>

using namespace x402gw::peer;

namespace {

IpAddress ip(const char* text) { return parse_ip(text).value(); }

TrustedProxies trust(std::initializer_list<const char*> ranges) {
  TrustedProxies t;
  for (const char* r : ranges) t.ranges.push_back(parse_cidr(r, nullptr).value());
  return t;
}

std::string client(const char* hop, std::vector<std::string_view> xff, const TrustedProxies& t) {
  return client_address(ip(hop), xff, t).to_string();
}

}  // namespace

TEST(ForwardedFor, AnUntrustedPeerIsTheClientWhateverItSays) {
  const auto t = trust({"10.0.0.0/8"});
  EXPECT_EQ(client("203.0.113.5", {"1.1.1.1"}, t), "203.0.113.5");
  EXPECT_EQ(client("203.0.113.5", {"10.0.0.1"}, t), "203.0.113.5");
  EXPECT_EQ(client("203.0.113.5", {}, trust({})), "203.0.113.5");
}

TEST(ForwardedFor, TheRightMostUntrustedHopIsTheClient) {
  const auto t = trust({"10.0.0.0/8"});
  // The client forged "6.6.6.6"; the balancer appended the address it really saw.
  EXPECT_EQ(client("10.0.0.2", {"6.6.6.6, 198.51.100.7"}, t), "198.51.100.7");
  // Two trusted proxies in a row.
  EXPECT_EQ(client("10.0.0.2", {"6.6.6.6, 198.51.100.7, 10.0.0.9"}, t), "198.51.100.7");
  // Several fields are one list, in order.
  EXPECT_EQ(client("10.0.0.2", {"6.6.6.6", "198.51.100.7", "10.1.1.1"}, t), "198.51.100.7");
  EXPECT_EQ(client("10.0.0.2", {"198.51.100.7,10.1.1.1"}, t), "198.51.100.7");
}

TEST(ForwardedFor, ATrustedPeerWithoutTheHeaderIsItself) {
  EXPECT_EQ(client("10.0.0.2", {}, trust({"10.0.0.0/8"})), "10.0.0.2");
}

TEST(ForwardedFor, AllTrustedEndsAtTheLeftMostEntry) {
  EXPECT_EQ(client("10.0.0.2", {"10.0.0.4, 10.0.0.3"}, trust({"10.0.0.0/8"})), "10.0.0.4");
}

TEST(ForwardedFor, GarbageStopsTheWalkAtTheTrustedHopRightOfIt) {
  const auto t = trust({"10.0.0.0/8"});
  EXPECT_EQ(client("10.0.0.2", {"unknown"}, t), "10.0.0.2");
  EXPECT_EQ(client("10.0.0.2", {"198.51.100.7, 10.0.0.3, bogus, 10.0.0.4"}, t), "10.0.0.4");
  EXPECT_EQ(client("10.0.0.2", {""}, t), "10.0.0.2");
  EXPECT_EQ(client("10.0.0.2", {"198.51.100.7,"}, t), "10.0.0.2");
}

TEST(ForwardedFor, PortsBracketsAndIpv6) {
  const auto t = trust({"10.0.0.0/8", "fd00::/8"});
  EXPECT_EQ(client("fd00::1", {"2001:db8::7"}, t), "2001:db8::7");
  EXPECT_EQ(client("fd00::1", {"[2001:db8::7]:4711"}, t), "2001:db8::7");
  EXPECT_EQ(client("fd00::1", {"[2001:db8::7]"}, t), "2001:db8::7");
  EXPECT_EQ(client("10.0.0.1", {" 198.51.100.7:5000 ,\t10.0.0.5 "}, t), "198.51.100.7");
  EXPECT_EQ(client("10.0.0.1", {"::ffff:198.51.100.7"}, t), "198.51.100.7");
}

TEST(ForwardedFor, EntryParsing) {
  EXPECT_FALSE(parse_forwarded_entry("[1.2.3.4]"));
  EXPECT_FALSE(parse_forwarded_entry("[::1"));
  EXPECT_FALSE(parse_forwarded_entry("[::1]x"));
  EXPECT_FALSE(parse_forwarded_entry("::1:80:"));
  EXPECT_FALSE(parse_forwarded_entry("host.example"));
  EXPECT_FALSE(parse_forwarded_entry("_hidden"));
  EXPECT_EQ(parse_forwarded_entry("1.2.3.4:80")->to_string(), "1.2.3.4");
}

namespace {

std::string chain(std::optional<IpAddress> hop, std::vector<std::string_view> xff, const TrustedProxies& t) {
  std::string out;
  for (const IpAddress& a : believed_chain(hop, xff, t)) out += (out.empty() ? "" : ", ") + a.to_string();
  return out;
}

}  // namespace

// The chain the upstream is told: the client the gateway believes first, nothing left of it.
TEST(BelievedChain, FromTheClientToTheHop) {
  const auto t = trust({"10.0.0.0/8"});
  EXPECT_EQ(chain(ip("203.0.113.5"), {"6.6.6.6"}, t), "203.0.113.5");  // untrusted: its own word is dropped
  EXPECT_EQ(chain(ip("10.0.0.2"), {}, t), "10.0.0.2");
  EXPECT_EQ(chain(ip("10.0.0.2"), {"6.6.6.6, 198.51.100.7", "10.0.0.9"}, t), "198.51.100.7, 10.0.0.9, 10.0.0.2");
  EXPECT_EQ(chain(ip("10.0.0.2"), {"10.0.0.4, 10.0.0.3"}, t), "10.0.0.4, 10.0.0.3, 10.0.0.2");
  EXPECT_EQ(chain(ip("10.0.0.2"), {"198.51.100.7, 10.0.0.3, bogus, 10.0.0.4"}, t), "10.0.0.4, 10.0.0.2");
  EXPECT_EQ(chain(ip("10.0.0.2"), {"[2001:db8::7]:4711"}, t), "2001:db8::7, 10.0.0.2");
}

TEST(BelievedChain, AnUnknownHopIsBelievedInNothing) {
  // A PROXY header that named no source: the client's X-Forwarded-For is not read.
  EXPECT_EQ(chain(std::nullopt, {"198.51.100.7"}, trust({"0.0.0.0/0"})), "");
  EXPECT_EQ(chain(std::nullopt, {}, trust({})), "");
}

TEST(BelievedChain, ItsFirstEntryIsTheClient) {
  const auto t = trust({"10.0.0.0/8"});
  for (const std::vector<std::string_view>& xff : std::vector<std::vector<std::string_view>>{
           {}, {"6.6.6.6, 198.51.100.7"}, {"unknown"}, {"10.0.0.4, 10.0.0.3"}, {"198.51.100.7,"}})
    EXPECT_EQ(believed_chain(ip("10.0.0.2"), xff, t).front(), client_address(ip("10.0.0.2"), xff, t));
}
