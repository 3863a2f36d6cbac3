// The payment-identifier memory: binding, conflicts, kept answers and their bounds.
#include "payment/payment_identifiers.hpp"

#include <gtest/gtest.h>

using namespace x402gw::payment;
using namespace std::chrono_literals;

namespace {

KeptAnswer answer(size_t body_bytes) { return KeptAnswer{200, {{"Content-Type", "text/plain"}}, std::string(body_bytes, 'x')}; }

}  // namespace

TEST(PaymentIdentifiers, SameIdSamePayloadIsSameDifferentIsConflict) {
  PaymentIdentifiers ids;
  const auto t = PaymentIdentifiers::Clock::now();
  EXPECT_EQ(ids.bind("r\nid", "d1", 60s, nullptr, t), IdSeen::fresh);
  EXPECT_EQ(ids.bind("r\nid", "d1", 60s, nullptr, t), IdSeen::same);
  EXPECT_EQ(ids.bind("r\nid", "d2", 60s, nullptr, t), IdSeen::conflict);
  EXPECT_EQ(ids.bind("other\nid", "d2", 60s, nullptr, t), IdSeen::fresh);  // scoped to the route
}

TEST(PaymentIdentifiers, AnIdIsForgottenAfterItsTtlOrWhenReleased) {
  PaymentIdentifiers ids;
  const auto t = PaymentIdentifiers::Clock::now();
  ids.bind("k", "d1", 10s, nullptr, t);
  EXPECT_EQ(ids.bind("k", "d2", 10s, nullptr, t + 9s), IdSeen::conflict);
  EXPECT_EQ(ids.bind("k", "d2", 10s, nullptr, t + 11s), IdSeen::fresh);
  ids.forget("k");
  EXPECT_EQ(ids.bind("k", "d3", 10s, nullptr, t + 12s), IdSeen::fresh);
  EXPECT_EQ(ids.size(), 1u);
}

TEST(PaymentIdentifiers, TheFirstAnswerIsKeptWithinItsBounds) {
  PaymentIdentifiers ids(1000);
  const auto t = PaymentIdentifiers::Clock::now();
  ids.bind("k", "d", 60s, nullptr, t);
  EXPECT_FALSE(ids.keep("k", answer(600), 500, t));  // over the route's max_bytes
  EXPECT_TRUE(ids.keep("k", answer(400), 500, t));
  EXPECT_FALSE(ids.keep("k", answer(10), 500, t));   // only the first answer
  std::optional<KeptAnswer> kept;
  EXPECT_EQ(ids.bind("k", "d", 60s, &kept, t), IdSeen::same);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->body.size(), 400u);
  EXPECT_FALSE(ids.keep("unknown", answer(1), 500, t));  // never bound
}

TEST(PaymentIdentifiers, TheTotalIsBoundedByDroppingTheSoonestToExpire) {
  PaymentIdentifiers ids(1000);
  const auto t = PaymentIdentifiers::Clock::now();
  ids.bind("a", "d", 10s, nullptr, t);
  ids.bind("b", "d", 20s, nullptr, t);
  ASSERT_TRUE(ids.keep("a", answer(500), 1000, t));
  ASSERT_TRUE(ids.keep("b", answer(600), 1000, t));  // a's answer makes room
  EXPECT_LE(ids.kept_bytes(), 1000u);
  std::optional<KeptAnswer> kept;
  EXPECT_EQ(ids.bind("a", "d", 10s, &kept, t), IdSeen::same);  // the id stays bound
  EXPECT_FALSE(kept);
  EXPECT_EQ(ids.bind("b", "d", 20s, &kept, t), IdSeen::same);
  EXPECT_TRUE(kept);
}
