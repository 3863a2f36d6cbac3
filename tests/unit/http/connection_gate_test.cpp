#include "http/connection_gate.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace x402gw::http;
using x402gw::peer::IpAddress;
using x402gw::peer::parse_ip;

namespace {

IpAddress ip(const char* text) { return parse_ip(text).value(); }

}  // namespace

TEST(ConnectionGate, RefusesOverTheLimitAndGivesThePlaceBack) {
  std::atomic<int64_t> open{0};
  ConnectionGate gate(open);
  const GateLimits limits{2, 0, 0};
  auto a = gate.admit(ip("192.0.2.1"), false, false, limits);
  auto b = gate.admit(ip("192.0.2.2"), false, false, limits);
  ASSERT_EQ(a.refused, Refusal::none);
  ASSERT_EQ(b.refused, Refusal::none);
  EXPECT_EQ(open.load(), 2);
  auto c = gate.admit(ip("192.0.2.3"), false, false, limits);
  EXPECT_EQ(c.refused, Refusal::connections);
  EXPECT_FALSE(c.slot);
  EXPECT_EQ(open.load(), 2) << "a refusal holds nothing";
  { ConnectionSlot gone = std::move(a.slot); }
  EXPECT_EQ(open.load(), 1);
  EXPECT_EQ(gate.admit(ip("192.0.2.3"), false, false, limits).refused, Refusal::none);
  EXPECT_EQ(open.load(), 1) << "the admission above was dropped at once";
}

TEST(ConnectionGate, PerAddressLimitSparesOtherAddressesAndTrustedProxies) {
  std::atomic<int64_t> open{0};
  ConnectionGate gate(open);
  const GateLimits limits{100, 2, 0};
  std::vector<ConnectionSlot> held;
  for (int i = 0; i < 2; ++i) held.push_back(gate.admit(ip("192.0.2.1"), false, false, limits).slot);
  EXPECT_EQ(gate.admit(ip("192.0.2.1"), false, false, limits).refused, Refusal::per_address);
  EXPECT_EQ(gate.admit(ip("::ffff:192.0.2.1"), false, false, limits).refused, Refusal::per_address) << "IPv4-mapped is the same peer";
  EXPECT_EQ(gate.open_from(ip("192.0.2.1")), 2u);
  EXPECT_EQ(open.load(), 2);
  held.push_back(gate.admit(ip("192.0.2.2"), false, false, limits).slot);
  EXPECT_TRUE(held.back());
  for (int i = 0; i < 5; ++i) held.push_back(gate.admit(ip("10.0.0.1"), true, false, limits).slot);
  EXPECT_TRUE(held.back()) << "a trusted proxy carries many clients";
  EXPECT_EQ(gate.open_from(ip("10.0.0.1")), 0u);
  held.erase(held.begin());
  EXPECT_EQ(gate.open_from(ip("192.0.2.1")), 1u);
  EXPECT_EQ(gate.admit(ip("192.0.2.1"), false, false, limits).refused, Refusal::none);
  held.clear();
  EXPECT_EQ(open.load(), 0);
  EXPECT_EQ(gate.open_from(ip("192.0.2.1")), 0u);
}

TEST(ConnectionGate, HandshakesInProgressAreCapped) {
  std::atomic<int64_t> open{0};
  ConnectionGate gate(open);
  const GateLimits limits{100, 0, 2};
  auto a = gate.admit(ip("192.0.2.1"), false, true, limits);
  auto b = gate.admit(ip("192.0.2.2"), false, true, limits);
  EXPECT_EQ(gate.handshakes(), 2);
  auto c = gate.admit(ip("192.0.2.3"), false, true, limits);
  EXPECT_EQ(c.refused, Refusal::tls_handshakes);
  EXPECT_EQ(gate.handshakes(), 2);
  EXPECT_EQ(open.load(), 2);
  EXPECT_EQ(gate.admit(ip("192.0.2.3"), false, false, limits).refused, Refusal::none) << "plain connections take no handshake place";
  a.slot.handshake_done();
  a.slot.handshake_done();  // once only
  EXPECT_EQ(gate.handshakes(), 1);
  EXPECT_EQ(open.load(), 2) << "the connection stays open after its handshake";
  auto d = gate.admit(ip("192.0.2.4"), false, true, limits);
  EXPECT_EQ(d.refused, Refusal::none);
  { ConnectionSlot gone = std::move(b.slot); }  // a connection that ends mid-handshake frees its place
  EXPECT_EQ(gate.handshakes(), 1);
}

TEST(ConnectionGate, TheFirstLimitReachedIsTheOneReported) {
  std::atomic<int64_t> open{0};
  ConnectionGate gate(open);
  auto a = gate.admit(ip("192.0.2.1"), false, true, GateLimits{1, 1, 1});
  EXPECT_EQ(gate.admit(ip("192.0.2.1"), false, true, GateLimits{1, 1, 1}).refused, Refusal::connections);
  EXPECT_EQ(gate.admit(ip("192.0.2.1"), false, true, GateLimits{5, 1, 1}).refused, Refusal::per_address);
  EXPECT_EQ(gate.admit(ip("192.0.2.2"), false, true, GateLimits{5, 1, 1}).refused, Refusal::tls_handshakes);
  EXPECT_EQ(refusal_label(Refusal::per_address), "connections_per_address");
}

TEST(ConnectionBudget, KeepsAReserveAndAQuarterForUpstreamConnections) {
  EXPECT_EQ(connection_budget(1024), (1024 - kReservedDescriptors) - (1024 - kReservedDescriptors) / 4);
  EXPECT_EQ(connection_budget(20000), 14856u);  // 10,000 idle keep-alive clients fit under the usual 20,000
  // The clients, the reserve and a quarter of the rest for upstream connections fit in the limit.
  for (uint64_t d : {400u, 1024u, 4096u, 1048576u}) {
    EXPECT_LE(connection_budget(d) + kReservedDescriptors + (d - kReservedDescriptors) / 4, d);
    EXPECT_GE(connection_budget(d), (d - kReservedDescriptors) / 2) << "at least what one upstream connection per client would leave";
  }
  // Tiny limits still admit someone.
  EXPECT_EQ(connection_budget(160), 40u);
  EXPECT_EQ(connection_budget(2), 1u);
  EXPECT_EQ(refusal_label(Refusal::admin_connections), "admin_connections");
}
