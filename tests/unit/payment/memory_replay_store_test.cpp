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

// Pay-then-prove: an accepted hash has nothing else refusing its reuse (no facilitator, no nonce),
// so it is never dropped for room; refusals, kept only to spare the chain, are dropped first.
namespace {
const Ending kPinned{Finish::settled, "accepted", std::chrono::seconds(3600), payment::Retention::pinned};
const Ending kRefusal{Finish::settled, "refused:proof_reverted", std::chrono::seconds(600), payment::Retention::brief};
const Ending kSettled{Finish::settled, {}, {}};
void keep(MemoryReplayStore& store, const std::string& k, const Ending& e, MemoryReplayStore::Clock::time_point t = MemoryReplayStore::Clock::now()) {
  ASSERT_EQ(store.claim_now(k, 1min, t).status, Claim::applied) << k;
  ASSERT_TRUE(store.finish_now(k, e, t)) << k;
}
}  // namespace

TEST(MemoryReplayStore, APinnedEntryIsNeverEvictedAndAFullStoreSaysSo) {
  MemoryReplayStore store(2);
  keep(store, "p1", kPinned);
  EXPECT_FALSE(store.pinned_full());
  keep(store, "p2", kPinned);
  EXPECT_TRUE(store.pinned_full());  // new proofs are refused (503) rather than evicting one
  keep(store, "r", kRefusal);
  keep(store, "s", kSettled);
  EXPECT_EQ(store.claim_now("p1", 1min).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("p2", 1min).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("r", 1min).status, Claim::applied);  // dropped for room
  EXPECT_EQ(store.claim_now("s", 1min).status, Claim::applied);  // dropped for room
  EXPECT_EQ(store.evictions(), 2u);
}

TEST(MemoryReplayStore, RefusalsAreEvictedBeforeSettledPayments) {
  MemoryReplayStore store(3);
  const auto t0 = MemoryReplayStore::Clock::now();
  keep(store, "s1", kSettled, t0);          // expires soonest (remember: 24 h)
  keep(store, "r1", kRefusal, t0 + 1s);     // refusals expire in 10 min, yet go first
  keep(store, "p1", kPinned, t0 + 2s);
  keep(store, "s2", kSettled, t0 + 3s);     // one too many: the refusal goes
  EXPECT_EQ(store.claim_now("s1", 1min, t0 + 4s).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("s2", 1min, t0 + 4s).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("p1", 1min, t0 + 4s).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("r1", 1min, t0 + 4s).status, Claim::applied);
  store.finish_now("r1", Ending{}, t0 + 4s);
  keep(store, "s3", kSettled, t0 + 5s);     // no refusal left: the oldest settled payment goes
  EXPECT_EQ(store.claim_now("s1", 1min, t0 + 6s).status, Claim::applied);
  EXPECT_EQ(store.claim_now("p1", 1min, t0 + 6s).status, Claim::already_settled);
  EXPECT_EQ(store.evictions(), 2u);
}

TEST(MemoryReplayStore, ARefusalLivesItsOwnShortTimeNotTheStoresRemember) {
  MemoryReplayStore store(100, std::chrono::seconds(24 * 3600));
  const auto t0 = MemoryReplayStore::Clock::now();
  keep(store, "r", kRefusal, t0);
  EXPECT_EQ(store.claim_now("r", 1min, t0 + 599s).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("r", 1min, t0 + 601s).status, Claim::applied);
  // A pinned entry lives at least `remember`, like any settled one, and expires then.
  keep(store, "p", kPinned, t0);
  EXPECT_EQ(store.claim_now("p", 1min, t0 + 23h).status, Claim::already_settled);
  EXPECT_EQ(store.claim_now("p", 1min, t0 + 25h).status, Claim::applied);
  EXPECT_EQ(store.evictions(), 0u);
}

TEST(MemoryReplayStore, ExpiredPinnedEntriesMakeRoomAgain) {
  MemoryReplayStore store(1, std::chrono::seconds(60));
  const auto t0 = MemoryReplayStore::Clock::now();
  keep(store, "p", Ending{Finish::settled, "accepted", std::chrono::seconds(60), payment::Retention::pinned}, t0);
  EXPECT_TRUE(store.pinned_full(t0 + 59s));
  EXPECT_FALSE(store.pinned_full(t0 + 61s));
}

TEST(MemoryReplayStore, ASettledEntryIsRevokedOnlyWithItsOwnReceipt) {
  MemoryReplayStore store;
  keep(store, "p", Ending{Finish::settled, "accepted:1", std::chrono::seconds(3600), payment::Retention::pinned});
  EXPECT_FALSE(store.revoke_now("p", "accepted:2"));
  EXPECT_EQ(store.claim_now("p", 1min).status, Claim::already_settled);
  EXPECT_TRUE(store.revoke_now("p", "accepted:1"));
  EXPECT_FALSE(store.pinned_full());
  EXPECT_EQ(store.claim_now("p", 1min).status, Claim::applied);  // nothing was delivered: it may pay again
  EXPECT_FALSE(store.revoke_now("p", "accepted:1"));               // an in-flight claim is not revoked
}
