#include "net/ticket_keys.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "acme/crypto.hpp"
#include "net/server_tls.hpp"
#include "tls_pair.hpp"

using namespace x402gw;
using namespace std::chrono_literals;
using net::TicketKeyRing;

namespace {

constexpr std::chrono::milliseconds kPeriod = 1h;

// Key material numbered 1, 2, 3... so a test can name the key that sealed a ticket.
struct NumberedKeys {
  unsigned char next = 1;
  TicketKeyRing::Key operator()() {
    TicketKeyRing::Key k;
    k.name.fill(next);
    k.aes.fill(next);
    k.hmac.fill(next);
    ++next;
    return k;
  }
};

std::array<unsigned char, 16> name_of(unsigned char n) {
  std::array<unsigned char, 16> a;
  a.fill(n);
  return a;
}

}  // namespace

TEST(TicketKeyRing, SealsWithAKeyYoungerThanOnePeriod) {
  const auto t0 = TicketKeyRing::Clock::time_point{} + 100h;
  TicketKeyRing ring(kPeriod, t0, NumberedKeys{});
  EXPECT_EQ(ring.for_seal(t0 + 59min).name, name_of(1));
  EXPECT_EQ(ring.for_seal(t0 + 61min).name, name_of(2));
  EXPECT_EQ(ring.rotations(), 1u);
}

// The defect: rotation is lazy, and the previous key used to open tickets for a whole period after
// the rotation that retired it, however late that rotation came: nearly three periods in all.
TEST(TicketKeyRing, AKeyOpensForTwoPeriodsFromItsCreationEvenWhenRotationComesLate) {
  const auto t0 = TicketKeyRing::Clock::time_point{} + 100h;
  TicketKeyRing ring(kPeriod, t0, NumberedKeys{});
  const auto first = name_of(1);
  ASSERT_EQ(ring.for_seal(t0).name, first);
  // The listener is idle until 1.9 periods; the next handshake rotates.
  EXPECT_EQ(ring.for_seal(t0 + 114min).name, name_of(2));
  auto early = ring.for_open(first.data(), t0 + 115min);
  ASSERT_TRUE(early.key);
  EXPECT_TRUE(early.renew);
  EXPECT_FALSE(ring.for_open(first.data(), t0 + 120min).key) << "two periods after its creation, key 1 opens nothing";
  EXPECT_FALSE(ring.for_open(first.data(), t0 + 150min).key) << "2.5 periods";
  EXPECT_FALSE(ring.for_open(first.data(), t0 + 170min).key) << "2.8 periods";
}

TEST(TicketKeyRing, AnIdleListenerOpensNothingOlderThanTwoPeriods) {
  const auto t0 = TicketKeyRing::Clock::time_point{} + 100h;
  TicketKeyRing ring(kPeriod, t0, NumberedKeys{});
  const auto first = name_of(1);
  auto current = ring.for_open(first.data(), t0 + 30min);
  ASSERT_TRUE(current.key);
  EXPECT_FALSE(current.renew);
  auto previous = ring.for_open(first.data(), t0 + 90min);  // rotates: key 1 is now the previous one
  ASSERT_TRUE(previous.key);
  EXPECT_TRUE(previous.renew);
  EXPECT_FALSE(ring.for_open(first.data(), t0 + 121min).key);
  EXPECT_FALSE(ring.for_open(name_of(9).data(), t0 + 121min).key) << "an unknown name";
}

TEST(TicketKeyRing, WithoutRandomnessTheOldKeyStillExpires) {
  const auto t0 = TicketKeyRing::Clock::time_point{} + 100h;
  int calls = 0;
  TicketKeyRing ring(kPeriod, t0, [&] {
    if (calls++ > 0) throw std::runtime_error("no randomness");
    return NumberedKeys{}();
  });
  const auto first = name_of(1);
  EXPECT_EQ(ring.for_seal(t0 + 90min).name, first);  // rotation failed: the key seals on
  auto opened = ring.for_open(first.data(), t0 + 90min);
  ASSERT_TRUE(opened.key);
  EXPECT_TRUE(opened.renew);
  EXPECT_FALSE(ring.for_open(first.data(), t0 + 121min).key);
}

// The same through OpenSSL: a TLS 1.2 client resumes with its ticket while the key is young, and
// gets a full handshake once the key is two periods old, whenever the rotation happened.
TEST(TicketKeys, ResumptionEndsTwoPeriodsAfterTheKeyWasMade) {
  const acme::Key key = acme::Key::generate();
  const std::string dir = ::testing::TempDir();
  const std::string cert_file = dir + "x402gw_ticket_cert.pem", key_file = dir + "x402gw_ticket_key.pem";
  std::ofstream(cert_file) << acme::make_tls_alpn_certificate(key, "shop.test", "x");
  std::ofstream(key_file) << key.to_pem();

  auto now = TicketKeyRing::Clock::time_point{} + 100h;
  const auto t0 = now;
  auto tickets = std::make_shared<net::TicketKeys>(kPeriod, [&] { return now; });
  net::CertificateSet set({net::CertificateSource{{cert_file, key_file}, false}}, tickets, nullptr);
  SSL_CTX* client = test::tls12_client();

  auto first = test::handshake(set.base().native_handle(), client, "shop.test");
  ASSERT_TRUE(first.ok);
  now = t0 + 30min;
  auto resumed = test::handshake(set.base().native_handle(), client, "shop.test", {}, first.session);
  ASSERT_TRUE(resumed.ok);
  EXPECT_TRUE(resumed.resumed);
  // Another client's handshake at 1.9 periods rotates the keys.
  now = t0 + 114min;
  auto other = test::handshake(set.base().native_handle(), client, "shop.test");
  ASSERT_TRUE(other.ok);
  EXPECT_EQ(tickets->rotations(), 1u);
  now = t0 + 150min;
  auto late = test::handshake(set.base().native_handle(), client, "shop.test", {}, first.session);
  ASSERT_TRUE(late.ok);
  EXPECT_FALSE(late.resumed) << "a ticket sealed with a key 2.5 periods old must not resume";

  for (auto* s : {first.session, resumed.session, other.session, late.session}) SSL_SESSION_free(s);
  SSL_CTX_free(client);
  std::remove(cert_file.c_str());
  std::remove(key_file.c_str());
}
