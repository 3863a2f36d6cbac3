#include "payment/memory_replay_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace x402gw;
using payment::Claim;
using payment::Finish;
using payment::MemoryReplayStore;
using namespace std::chrono_literals;

TEST(MemoryReplayStore, ClaimsAreExclusiveUntilReleasedOrSettled) {
  MemoryReplayStore store;
  EXPECT_EQ(store.claim_now("k", 1min), Claim::applied);
  EXPECT_EQ(store.claim_now("k", 1min), Claim::in_flight);
  store.finish_now("k", Finish::released);  // not settled: may be presented again
  EXPECT_EQ(store.claim_now("k", 1min), Claim::applied);
  store.finish_now("k", Finish::settled);
  EXPECT_EQ(store.claim_now("k", 1min), Claim::already_settled);
  EXPECT_EQ(store.in_flight(), 0u);
}

TEST(MemoryReplayStore, AnUnknownOutcomeIsNeverAcceptedAgain) {
  MemoryReplayStore store;
  ASSERT_EQ(store.claim_now("k", 1min), Claim::applied);
  store.finish_now("k", Finish::unknown);
  EXPECT_EQ(store.claim_now("k", 1min), Claim::outcome_unknown);
  store.finish_now("k", Finish::released);  // a late release of a finished claim changes nothing
  EXPECT_EQ(store.claim_now("k", 1min), Claim::outcome_unknown);
}

TEST(MemoryReplayStore, AnAbandonedClaimExpiresWithItsLease) {
  MemoryReplayStore store;
  const auto t0 = MemoryReplayStore::Clock::now();
  ASSERT_EQ(store.claim_now("k", 10s, t0), Claim::applied);
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 9s), Claim::in_flight);
  EXPECT_EQ(store.in_flight(t0 + 11s), 0u);
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 11s), Claim::applied);
}

TEST(MemoryReplayStore, AbandonReleases) {
  MemoryReplayStore store;
  ASSERT_EQ(store.claim_now("a", 1min), Claim::applied);
  store.abandon("a");
  EXPECT_EQ(store.claim_now("a", 1min), Claim::applied);
}

TEST(MemoryReplayStore, OnlyOneOfManyConcurrentClaimsWins) {
  MemoryReplayStore store;
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int n = 0; n < 1000; ++n)
        if (store.claim_now("k" + std::to_string(n), 1min) == Claim::applied) ++applied;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 1000);
}

TEST(MemoryReplayStore, ForgetsTheOldestSettledPaymentsBeyondItsCapacity) {
  MemoryReplayStore store(2);
  for (const char* k : {"a", "b", "c"}) {
    store.claim_now(k, 1min);
    store.finish_now(k, Finish::settled);
  }
  EXPECT_EQ(store.claim_now("a", 1min), Claim::applied);  // forgotten: the facilitator's nonce check still applies
  EXPECT_EQ(store.claim_now("c", 1min), Claim::already_settled);
}

TEST(MemoryReplayStore, ForgetsSettledPaymentsAfterTheirWindow) {
  MemoryReplayStore store(100, std::chrono::seconds(60));
  const auto t0 = MemoryReplayStore::Clock::now();
  store.claim_now("a", 1min, t0);
  store.finish_now("a", Finish::settled, t0);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 30s), Claim::already_settled);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 61s), Claim::applied);
}
