#include "peer/proxy_protocol.hpp"

#include <gtest/gtest.h>

using namespace x402gw::peer;
using Status = ProxyParse::Status;

namespace {

const std::string kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);

// A v2 header: command (0 LOCAL, 1 PROXY), family/transport byte, then the payload.
std::string v2(uint8_t command, uint8_t family, const std::string& payload) {
  std::string h = kV2Signature;
  h += static_cast<char>(0x20 | command);
  h += static_cast<char>(family);
  h += static_cast<char>(payload.size() >> 8);
  h += static_cast<char>(payload.size() & 0xff);
  return h + payload;
}

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s += static_cast<char>(x);
  return s;
}

}  // namespace

TEST(ProxyV1, Tcp4) {
  const std::string header = "PROXY TCP4 198.51.100.22 203.0.113.7 35646 443\r\n";
  auto p = parse_proxy_header(header + "GET / HTTP/1.1\r\n");
  ASSERT_EQ(p.status, Status::complete) << p.error;
  EXPECT_EQ(p.size, header.size());
  EXPECT_EQ(p.header.version, 1);
  EXPECT_FALSE(p.header.local);
  EXPECT_EQ(p.header.source->to_string(), "198.51.100.22");
  EXPECT_EQ(p.header.source_port, 35646);
  EXPECT_EQ(p.header.destination->to_string(), "203.0.113.7");
  EXPECT_EQ(p.header.destination_port, 443);
}

TEST(ProxyV1, Tcp6AndUnknown) {
  auto p = parse_proxy_header("PROXY TCP6 2001:db8::1 2001:db8::2 65535 0\r\n");
  ASSERT_EQ(p.status, Status::complete) << p.error;
  EXPECT_EQ(p.header.source->to_string(), "2001:db8::1");
  EXPECT_EQ(p.header.source_port, 65535);
  auto u = parse_proxy_header("PROXY UNKNOWN\r\n");
  ASSERT_EQ(u.status, Status::complete);
  EXPECT_FALSE(u.header.local);  // a relayed connection whose client the balancer could not name
  EXPECT_FALSE(u.header.source);
  EXPECT_EQ(u.size, 15u);
  EXPECT_EQ(parse_proxy_header("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n").status, Status::complete);
}

TEST(ProxyV1, IncompleteUntilTheLineEnds) {
  const std::string header = "PROXY TCP4 198.51.100.22 203.0.113.7 35646 443\r\n";
  for (size_t n = 0; n < header.size(); ++n)
    EXPECT_EQ(parse_proxy_header(header.substr(0, n)).status, Status::incomplete) << n;
}

TEST(ProxyV1, RefusesMalformedLines) {
  struct Case {
    const char* text;
    const char* reason;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"GET / HTTP/1.1\r\n", "signature"},
           {"PROXX TCP4", "signature"},
           {"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "signature"},
           {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "v1_syntax"},
           {"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "v1_syntax"},
           {"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "v1_syntax"},
           {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "v1_syntax"},
           {"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", "v1_syntax"},
           {"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "v1_syntax"},
           {"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "v1_syntax"},
           {"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "v1_syntax"},
           {"PROXY TCP4 ::1 5.6.7.8 1 2\r\n", "v1_address"},
           {"PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "v1_address"},
           {"PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n", "v1_address"},
       }) {
    auto p = parse_proxy_header(c.text);
    EXPECT_EQ(p.status, Status::invalid) << c.text;
    EXPECT_EQ(p.reason, c.reason) << c.text;
    EXPECT_FALSE(p.error.empty());
  }
}

TEST(ProxyV1, RefusesALineLongerThan107Bytes) {
  const std::string endless = "PROXY UNKNOWN " + std::string(200, 'x');
  EXPECT_EQ(parse_proxy_header(endless.substr(0, 106)).status, Status::incomplete);
  EXPECT_EQ(parse_proxy_header(endless.substr(0, 107)).reason, "v1_too_long");
  EXPECT_EQ(parse_proxy_header(endless + "\r\n").reason, "v1_too_long");
  const std::string longest = "PROXY UNKNOWN " + std::string(107 - 16, 'x') + "\r\n";
  ASSERT_EQ(longest.size(), 107u);
  EXPECT_EQ(parse_proxy_header(longest).status, Status::complete);
}

TEST(ProxyV2, Inet) {
  const std::string header = v2(1, 0x11, bytes({198, 51, 100, 22, 203, 0, 113, 7, 0x8b, 0x3e, 0x01, 0xbb}));
  auto p = parse_proxy_header(header + "GET /");
  ASSERT_EQ(p.status, Status::complete) << p.error;
  EXPECT_EQ(p.size, 28u);
  EXPECT_EQ(p.header.version, 2);
  EXPECT_EQ(p.header.source->to_string(), "198.51.100.22");
  EXPECT_EQ(p.header.source_port, 35646);
  EXPECT_EQ(p.header.destination->to_string(), "203.0.113.7");
  EXPECT_EQ(p.header.destination_port, 443);
}

TEST(ProxyV2, Inet6WithTlvs) {
  std::string addresses(36, '\0');
  addresses[0] = 0x20, addresses[1] = 0x01, addresses[2] = 0x0d, addresses[3] = static_cast<char>(0xb8), addresses[15] = 7;
  addresses[16 + 15] = 1;
  addresses[32] = 0x12, addresses[33] = 0x34;
  const std::string tlv = bytes({0x04, 0x00, 0x03, 'a', 'b', 'c'});  // PP2_TYPE_NOOP: ignored
  auto p = parse_proxy_header(v2(1, 0x21, addresses + tlv));
  ASSERT_EQ(p.status, Status::complete) << p.error;
  EXPECT_EQ(p.size, 16u + 36 + 6);
  EXPECT_EQ(p.header.source->to_string(), "2001:db8::7");
  EXPECT_EQ(p.header.destination->to_string(), "::1");
  EXPECT_EQ(p.header.source_port, 0x1234);
}

TEST(ProxyV2, LocalAndUnspecifiedNameNoClient) {
  auto local = parse_proxy_header(v2(0, 0x00, ""));
  ASSERT_EQ(local.status, Status::complete);
  EXPECT_TRUE(local.header.local);
  EXPECT_FALSE(local.header.source);
  // LOCAL with an address block: still the balancer's own connection.
  auto local_inet = parse_proxy_header(v2(0, 0x11, std::string(12, '\x01')));
  ASSERT_EQ(local_inet.status, Status::complete);
  EXPECT_FALSE(local_inet.header.source);
  // PROXY over a UNIX socket or UDP: nothing that names a TCP client.
  EXPECT_FALSE(parse_proxy_header(v2(1, 0x31, std::string(216, 'a'))).header.source);
  EXPECT_FALSE(parse_proxy_header(v2(1, 0x12, std::string(12, 'a'))).header.source);
  EXPECT_EQ(parse_proxy_header(v2(1, 0x12, std::string(12, 'a'))).status, Status::complete);
}

TEST(ProxyV2, IncompleteUntilTheDeclaredLength) {
  const std::string header = v2(1, 0x11, std::string(12, '\x01') + std::string(40, '\0'));
  for (size_t n = 0; n < header.size(); ++n)
    EXPECT_EQ(parse_proxy_header(header.substr(0, n)).status, Status::incomplete) << n;
  EXPECT_EQ(parse_proxy_header(header).status, Status::complete);
}

TEST(ProxyV2, RefusesMalformedHeaders) {
  std::string bad_version = v2(1, 0x11, std::string(12, '\0'));
  bad_version[12] = 0x11;
  EXPECT_EQ(parse_proxy_header(bad_version).reason, "v2_version");
  EXPECT_EQ(parse_proxy_header(v2(2, 0x11, std::string(12, '\0'))).reason, "v2_command");
  EXPECT_EQ(parse_proxy_header(v2(1, 0x41, std::string(12, '\0'))).reason, "v2_family");
  EXPECT_EQ(parse_proxy_header(v2(1, 0x13, std::string(12, '\0'))).reason, "v2_family");
  EXPECT_EQ(parse_proxy_header(v2(1, 0x11, std::string(11, '\0'))).reason, "v2_length");
  EXPECT_EQ(parse_proxy_header(v2(1, 0x21, std::string(35, '\0'))).reason, "v2_length");
  // A declared length beyond the limit is refused before its bytes arrive.
  std::string huge = kV2Signature + bytes({0x21, 0x11, 0xff, 0xff});
  EXPECT_EQ(parse_proxy_header(huge).reason, "v2_too_long");
  std::string broken_signature = kV2Signature;
  broken_signature[6] = 'x';
  EXPECT_EQ(parse_proxy_header(broken_signature).reason, "signature");
  EXPECT_EQ(parse_proxy_header(kV2Signature.substr(0, 5)).status, Status::incomplete);
}

// Who the client is after the header: a relayed connection without a source is an unknown
// client, never the (trusted) balancer that relayed it.
TEST(ProxyClient, TheSourceTheHeaderNames) {
  const IpAddress balancer = parse_ip("10.0.0.5").value();
  auto v1 = parse_proxy_header("PROXY TCP4 198.51.100.22 203.0.113.7 35646 443\r\n");
  EXPECT_EQ(client_after(v1.header, balancer)->to_string(), "198.51.100.22");
  auto inet = parse_proxy_header(v2(1, 0x11, bytes({198, 51, 100, 9, 10, 0, 0, 1, 0x12, 0x34, 0x01, 0xbb})));
  ASSERT_EQ(inet.status, Status::complete);
  EXPECT_EQ(client_after(inet.header, balancer)->to_string(), "198.51.100.9");
}

TEST(ProxyClient, LocalIsTheBalancerItself) {
  const IpAddress balancer = parse_ip("10.0.0.5").value();
  EXPECT_EQ(client_after(parse_proxy_header(v2(0, 0x00, "")).header, balancer), balancer);
  EXPECT_EQ(client_after(parse_proxy_header(v2(0, 0x11, std::string(12, '\x01'))).header, balancer), balancer);
}

TEST(ProxyClient, ARelayedConnectionWithoutASourceIsUnknown) {
  const IpAddress balancer = parse_ip("10.0.0.5").value();
  const std::vector<std::string> headers = {
      "PROXY UNKNOWN\r\n",
      "PROXY UNKNOWN 198.51.100.22 203.0.113.7 1 2\r\n",  // what follows UNKNOWN is not believed either
      v2(1, 0x00, ""),                                       // AF_UNSPEC
      v2(1, 0x00, std::string(12, '\x01')),                 // AF_UNSPEC with an address block
      v2(1, 0x31, std::string(216, 'a')),                    // AF_UNIX, stream
      v2(1, 0x32, std::string(216, 'a')),                    // AF_UNIX, datagram
      v2(1, 0x12, std::string(12, '\x01')),                 // AF_INET, datagram
      v2(1, 0x22, std::string(36, '\x01')),                 // AF_INET6, datagram
      v2(1, 0x10, std::string(12, '\x01')),                 // AF_INET, transport unspecified
  };
  for (const std::string& h : headers) {
    auto p = parse_proxy_header(h);
    ASSERT_EQ(p.status, Status::complete) << p.error;
    EXPECT_FALSE(client_after(p.header, balancer).has_value()) << h;
  }
}
