#include "payment/memory_replay_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace x402gw;
using payment::Claim;
using payment::Ending;
using payment::Finish;
using payment::MemoryReplayStore;
using namespace std::chrono_literals;

TEST(MemoryReplayStore, ClaimsAreExclusiveUntilReleasedOrSettled) {
  MemoryReplayStore store;
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::applied);
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::in_flight);
  store.finish_now("k", Ending{Finish::released, {}, {}});  // not settled: may be presented again
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::applied);
  store.finish_now("k", Ending{Finish::settled, {}, {}});
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::already_settled);
  EXPECT_EQ(store.in_flight(), 0u);
}

TEST(MemoryReplayStore, AnUnknownOutcomeIsNeverAcceptedAgain) {
  MemoryReplayStore store;
  ASSERT_EQ(store.claim_now("k", 1min).status, Claim::applied);
  store.finish_now("k", Ending{Finish::unknown, {}, {}});
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::outcome_unknown);
  store.finish_now("k", Ending{Finish::released, {}, {}});  // a late release of a finished claim changes nothing
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::outcome_unknown);
}

TEST(MemoryReplayStore, AnAbandonedClaimExpiresWithItsLease) {
  MemoryReplayStore store;
  const auto t0 = MemoryReplayStore::Clock::now();
  ASSERT_EQ(store.claim_now("k", 10s, t0).status, Claim::applied);
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 9s).status, Claim::in_flight);
  EXPECT_EQ(store.in_flight(t0 + 11s), 0u);
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 11s).status, Claim::applied);
}

TEST(MemoryReplayStore, AbandonReleases) {
  MemoryReplayStore store;
  ASSERT_EQ(store.claim_now("a", 1min).status, Claim::applied);
  store.abandon("a");
  EXPECT_EQ(store.claim_now("a", 1min).status, Claim::applied);
}

TEST(MemoryReplayStore, OnlyOneOfManyConcurrentClaimsWins) {
  MemoryReplayStore store;
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int n = 0; n < 1000; ++n)
        if (store.claim_now("k" + std::to_string(n), 1min).status == Claim::applied) ++applied;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 1000);
}

TEST(MemoryReplayStore, ForgetsTheOldestSettledPaymentsBeyondItsCapacity) {
  MemoryReplayStore store(2);
  for (const char* k : {"a", "b", "c"}) {
    store.claim_now(k, 1min);
    store.finish_now(k, Ending{Finish::settled, {}, {}});
  }
  EXPECT_EQ(store.claim_now("a", 1min).status, Claim::applied);  // forgotten: the facilitator's nonce check still applies
  EXPECT_EQ(store.claim_now("c", 1min).status, Claim::already_settled);
}

TEST(MemoryReplayStore, ForgetsSettledPaymentsAfterTheirWindow) {
  MemoryReplayStore store(100, std::chrono::seconds(60));
  const auto t0 = MemoryReplayStore::Clock::now();
  store.claim_now("a", 1min, t0);
  store.finish_now("a", Ending{Finish::settled, {}, {}}, t0);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 30s).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 61s).status, Claim::applied);
}

TEST(MemoryReplayStore, ASettledPaymentKeepsItsReceiptForRePresentations) {
  MemoryReplayStore store;
  ASSERT_EQ(store.claim_now("k", 1min).status, Claim::applied);
  EXPECT_TRUE(store.finish_now("k", Ending{Finish::settled, R"({"transaction":"0xabc"})", {}}));
  const payment::ClaimResult again = store.claim_now("k", 1min);
  EXPECT_EQ(again.status, Claim::already_settled);
  EXPECT_EQ(again.receipt, R"({"transaction":"0xabc"})");
  EXPECT_FALSE(store.finish_now("k", Ending{}));  // only an in-flight claim can be finished
}

TEST(MemoryReplayStore, AnUnknownOutcomeIsResolvedOnceKnown) {
  MemoryReplayStore store;
  ASSERT_EQ(store.claim_now("landed", 1min).status, Claim::applied);
  ASSERT_EQ(store.claim_now("lost", 1min).status, Claim::applied);
  EXPECT_FALSE(store.resolve_now("landed", Ending{Finish::settled, "r", {}}));  // still in flight: not unknown
  store.finish_now("landed", Ending{Finish::unknown, {}, {}});
  store.finish_now("lost", Ending{Finish::unknown, {}, {}});
  EXPECT_TRUE(store.resolve_now("landed", Ending{Finish::settled, "r", {}}));
  EXPECT_TRUE(store.resolve_now("lost", Ending{}));
  EXPECT_EQ(store.claim_now("landed", 1min).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("lost", 1min).status, Claim::applied);  // never settled: may be presented again
  EXPECT_FALSE(store.resolve_now("landed", Ending{}));               // settled is final
}

TEST(MemoryReplayStore, AnEndingMayAskToBeRememberedLonger) {
  MemoryReplayStore store(100, std::chrono::seconds(60));
  const auto t0 = MemoryReplayStore::Clock::now();
  store.claim_now("a", 1min, t0);
  store.finish_now("a", Ending{Finish::settled, {}, std::chrono::seconds(3600)}, t0);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 30min).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 61min).status, Claim::applied);
}

TEST(MemoryReplayStore, UnknownOutcomesAreNotEvictedByCapacity) {
  MemoryReplayStore store(1);
  store.claim_now("u", 1min);
  store.finish_now("u", Ending{Finish::unknown, {}, {}});
  for (const char* k : {"a", "b", "c"}) {
    store.claim_now(k, 1min);
    store.finish_now(k, Ending{Finish::settled, {}, {}});
  }
  EXPECT_EQ(store.claim_now("u", 1min).status, Claim::outcome_unknown);
  EXPECT_EQ(store.claim_now("c", 1min).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("a", 1min).status, Claim::applied);
}
