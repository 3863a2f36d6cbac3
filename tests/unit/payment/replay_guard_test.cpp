#include "payment/replay_guard.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace x402gw;
using payment::Claim;

namespace {
x402::PaymentPayload evm(const std::string& from, const std::string& nonce) {
  x402::PaymentPayload p;
  p.version = 2;
  p.document = {{"x402Version", 2}, {"payload", {{"signature", "0xaa"}, {"authorization", {{"from", from}, {"nonce", nonce}}}}}};
  return p;
}
}  // namespace

TEST(ReplayGuard, EvmIdentityIsPayerAndNonceWhateverTheCase) {
  EXPECT_EQ(payment::payment_identity(evm("0xABC", "0x11")), "evm:0xabc:0x11");
  EXPECT_EQ(payment::payment_identity(evm("0xabc", "0x11")), payment::payment_identity(evm("0xAbC", "0x11")));
  EXPECT_NE(payment::payment_identity(evm("0xabc", "0x11")), payment::payment_identity(evm("0xabc", "0x12")));
}

TEST(ReplayGuard, OtherPayloadsAreIdentifiedByTheirHash) {
  x402::PaymentPayload a, b;
  a.document = {{"payload", {{"transaction", "AAAA"}, {"x", 1}}}};
  b.document = nlohmann::json::parse(R"({"payload":{"x":1,"transaction":"AAAA"}})");  // other key order
  EXPECT_EQ(payment::payment_identity(a), payment::payment_identity(b));
  EXPECT_EQ(payment::payment_identity(a).rfind("sha256:", 0), 0u);
  b.document["payload"]["transaction"] = "AAAB";
  EXPECT_NE(payment::payment_identity(a), payment::payment_identity(b));
}

TEST(ReplayGuard, ClaimsAreExclusiveUntilReleasedOrSettled) {
  payment::ReplayGuard guard;
  EXPECT_EQ(guard.claim("k"), Claim::applied);
  EXPECT_EQ(guard.claim("k"), Claim::in_flight);
  guard.finish("k", false);  // not settled: may be presented again
  EXPECT_EQ(guard.claim("k"), Claim::applied);
  guard.finish("k", true);
  EXPECT_EQ(guard.claim("k"), Claim::already_settled);
  EXPECT_EQ(guard.in_flight(), 0u);
}

TEST(ReplayGuard, HoldReleasesOnEveryPathUnlessSettled) {
  payment::ReplayGuard guard;
  { payment::ClaimHold hold(guard, (guard.claim("a"), "a")); }
  EXPECT_EQ(guard.claim("a"), Claim::applied);
  {
    payment::ClaimHold hold(guard, "a");
    hold.release();  // explicit and final, before any answer
    EXPECT_EQ(guard.claim("a"), Claim::applied);
  }
  {
    payment::ClaimHold hold(guard, "a");
    hold.settle();
    EXPECT_EQ(guard.claim("a"), Claim::already_settled);  // final before the hold is gone
  }
  EXPECT_EQ(guard.claim("a"), Claim::already_settled);
}

TEST(ReplayGuard, OnlyOneOfManyConcurrentClaimsWins) {
  payment::ReplayGuard guard;
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int n = 0; n < 1000; ++n)
        if (guard.claim("k" + std::to_string(n)) == Claim::applied) ++applied;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 1000);
}

TEST(ReplayGuard, ForgetsTheOldestSettledPaymentsBeyondItsCapacity) {
  payment::ReplayGuard guard(2);
  for (const char* k : {"a", "b", "c"}) {
    guard.claim(k);
    guard.finish(k, true);
  }
  EXPECT_EQ(guard.claim("a"), Claim::applied);  // forgotten: the facilitator's nonce check still applies
  EXPECT_EQ(guard.claim("c"), Claim::already_settled);
}
