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

TEST(MemoryReplayStore, ClaimsAreExclusiveUntilReleasedOrDelivered) {
  MemoryReplayStore store;
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::applied);
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::in_flight);
  store.finish_now("k", Ending{Finish::released, {}, {}});  // not settled: may be presented again
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::applied);
  store.finish_now("k", Ending{Finish::delivered, {}, {}});
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::delivered);
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

// The bound (state.max_payments): a full store refuses a new payment, saying when room comes back,
// and forgets no payment still remembered (R3 holds for every one of them).
TEST(MemoryReplayStore, AFullStoreRefusesNewPaymentsAndForgetsNone) {
  MemoryReplayStore store(2, std::chrono::seconds(3600));
  const auto t0 = MemoryReplayStore::Clock::now();
  for (const char* k : {"a", "b"}) {
    ASSERT_EQ(store.claim_now(k, 1min, t0).status, Claim::applied);
    store.finish_now(k, Ending{Finish::delivered, {}, {}}, t0);
  }
  const payment::ClaimResult refused = store.claim_now("c", 1min, t0 + 10s);
  EXPECT_EQ(refused.status, Claim::full);
  EXPECT_TRUE(refused.token.empty());
  EXPECT_EQ(refused.retry_after, std::chrono::seconds(3590));  // when "a" is forgotten
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 10s).status, Claim::delivered);  // still refused as used
  EXPECT_EQ(store.claim_now("b", 1min, t0 + 10s).status, Claim::delivered);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.refused_full(), 1u);
  EXPECT_EQ(store.evictions(), 0u);
}

// Claims in flight count against the bound too: they become settled payments, and a settlement is
// recorded whatever the count, so the bound must be kept at the claim.
TEST(MemoryReplayStore, ClaimsInFlightCountAgainstTheBound) {
  MemoryReplayStore store(2);
  ASSERT_EQ(store.claim_now("a", 1min).status, Claim::applied);
  ASSERT_EQ(store.claim_now("b", 1min).status, Claim::applied);
  EXPECT_EQ(store.claim_now("c", 1min).status, Claim::full);
  EXPECT_EQ(store.claim_now("a", 1min).status, Claim::in_flight);  // a known payment is answered as before
  store.finish_now("b", Ending{Finish::released, {}, {}});         // released: its room is free at once
  EXPECT_EQ(store.claim_now("c", 1min).status, Claim::applied);
}

// A delivered payment whose authorization can no longer settle (its `keep`: validBefore plus a
// margin) is kept for `remember`, but a full store may drop it: the facilitator refuses it anyway.
TEST(MemoryReplayStore, AFullStoreDropsOnlyPaymentsPastTheirOwnValidity) {
  MemoryReplayStore store(2, std::chrono::seconds(3600));
  const auto t0 = MemoryReplayStore::Clock::now();
  const Ending valid_a_minute{Finish::delivered, {}, std::chrono::seconds(60)};
  ASSERT_EQ(store.claim_now("a", 1min, t0).status, Claim::applied);
  ASSERT_TRUE(store.finish_now("a", valid_a_minute, t0));
  ASSERT_EQ(store.claim_now("b", 1min, t0 + 1s).status, Claim::applied);
  ASSERT_TRUE(store.finish_now("b", Ending{Finish::delivered, {}, std::chrono::seconds(120)}, t0 + 1s));
  const payment::ClaimResult refused = store.claim_now("c", 1min, t0 + 30s);
  EXPECT_EQ(refused.status, Claim::full);  // both could still settle: neither is dropped
  EXPECT_EQ(refused.retry_after, std::chrono::seconds(30));
  EXPECT_EQ(store.claim_now("c", 1min, t0 + 61s).status, Claim::applied);  // "a" is past its validity: dropped
  EXPECT_EQ(store.evictions(), 1u);
  EXPECT_EQ(store.claim_now("b", 1min, t0 + 61s).status, Claim::delivered);  // not dropped while not needed
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 90s).status, Claim::full);        // the room went to "c"
  // "c" was abandoned: once its lease has lapsed, a full store takes its room back.
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 30min).status, Claim::applied);
}

// The sweep: expired payments free room for new ones.
TEST(MemoryReplayStore, ExpiredPaymentsFreeRoom) {
  MemoryReplayStore store(2, std::chrono::seconds(60));
  const auto t0 = MemoryReplayStore::Clock::now();
  for (const char* k : {"a", "b"}) {
    ASSERT_EQ(store.claim_now(k, 1min, t0).status, Claim::applied);
    store.finish_now(k, Ending{Finish::delivered, {}, {}}, t0);
  }
  EXPECT_EQ(store.claim_now("c", 1min, t0 + 59s).status, Claim::full);
  EXPECT_EQ(store.claim_now("c", 1min, t0 + 61s).status, Claim::applied);
  EXPECT_EQ(store.size(), 1u);  // both expired entries were swept, not just one
}

TEST(MemoryReplayStore, ForgetsSettledPaymentsAfterTheirWindow) {
  MemoryReplayStore store(100, std::chrono::seconds(60));
  const auto t0 = MemoryReplayStore::Clock::now();
  store.claim_now("a", 1min, t0);
  store.finish_now("a", Ending{Finish::delivered, {}, {}}, t0);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 30s).status, Claim::delivered);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 61s).status, Claim::applied);
}

TEST(MemoryReplayStore, ASettledPaymentKeepsItsReceiptForRePresentations) {
  MemoryReplayStore store;
  ASSERT_EQ(store.claim_now("k", 1min).status, Claim::applied);
  EXPECT_TRUE(store.finish_now("k", Ending{Finish::delivered, R"({"transaction":"0xabc"})", {}}));
  const payment::ClaimResult again = store.claim_now("k", 1min);
  EXPECT_EQ(again.status, Claim::delivered);
  EXPECT_EQ(again.receipt, R"({"transaction":"0xabc"})");
  EXPECT_FALSE(store.finish_now("k", Ending{}));  // a delivered payment is never released
}

TEST(MemoryReplayStore, AnUnknownOutcomeIsResolvedOnceKnown) {
  MemoryReplayStore store;
  ASSERT_EQ(store.claim_now("landed", 1min).status, Claim::applied);
  ASSERT_EQ(store.claim_now("lost", 1min).status, Claim::applied);
  EXPECT_FALSE(store.resolve_now("landed", Ending{Finish::settled, "r", {}}));  // still in flight: not unknown
  store.finish_now("landed", Ending{Finish::unknown, {}, {}});
  store.finish_now("lost", Ending{Finish::unknown, {}, {}});
  EXPECT_FALSE(store.resolve_now("landed", Ending{Finish::delivered, "r", {}}));  // a reconciled answer was never delivered
  EXPECT_TRUE(store.resolve_now("landed", Ending{Finish::settled, "r", {}}));
  EXPECT_TRUE(store.resolve_now("lost", Ending{}));
  EXPECT_EQ(store.claim_now("landed", 1min).status, Claim::landed);  // R2: the next presentation delivers it
  EXPECT_EQ(store.claim_now("lost", 1min).status, Claim::applied);  // never settled: may be presented again
  EXPECT_FALSE(store.resolve_now("landed", Ending{}));               // settled is final
}

TEST(MemoryReplayStore, AnEndingMayAskToBeRememberedLonger) {
  MemoryReplayStore store(100, std::chrono::seconds(60));
  const auto t0 = MemoryReplayStore::Clock::now();
  store.claim_now("a", 1min, t0);
  store.finish_now("a", Ending{Finish::delivered, {}, std::chrono::seconds(3600)}, t0);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 30min).status, Claim::delivered);
  EXPECT_EQ(store.claim_now("a", 1min, t0 + 61min).status, Claim::applied);
}

TEST(MemoryReplayStore, UnknownOutcomesAreNotEvictedByCapacity) {
  MemoryReplayStore store(1);
  store.claim_now("u", 1min);
  store.finish_now("u", Ending{Finish::unknown, {}, {}});
  EXPECT_EQ(store.claim_now("a", 1min).status, Claim::full);
  // What went to the chain is recorded past the bound (a settlement whose claim had lapsed).
  EXPECT_TRUE(store.finish_now("b", Ending{Finish::delivered, {}, {}}));
  EXPECT_EQ(store.claim_now("u", 1min).status, Claim::outcome_unknown);
  EXPECT_EQ(store.claim_now("b", 1min).status, Claim::delivered);
  EXPECT_EQ(store.evictions(), 0u);
}

// Pay-then-prove: an accepted hash has nothing else refusing its reuse (no facilitator, no nonce),
// so it is never dropped for room; refusals, kept only to spare the chain, are dropped first.
namespace {
const Ending kPinned{Finish::delivered, "accepted", std::chrono::seconds(3600), payment::Retention::pinned};
const Ending kRefusal{Finish::delivered, "refused:proof_reverted", std::chrono::seconds(600), payment::Retention::brief};
const Ending kSettled{Finish::delivered, {}, {}};
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
  EXPECT_EQ(store.claim_now("s", 1min).status, Claim::full);
  EXPECT_EQ(store.claim_now("p1", 1min).status, Claim::delivered);
  EXPECT_EQ(store.claim_now("p2", 1min).status, Claim::delivered);
  EXPECT_EQ(store.evictions(), 0u);
}

TEST(MemoryReplayStore, RefusalsAreEvictedBeforeDeliveredPayments) {
  MemoryReplayStore store(3);
  const auto t0 = MemoryReplayStore::Clock::now();
  keep(store, "s1", kSettled, t0);          // expires soonest (remember: 24 h)
  keep(store, "r1", kRefusal, t0 + 1s);     // refusals expire in 10 min, yet go first
  keep(store, "p1", kPinned, t0 + 2s);
  keep(store, "s2", kSettled, t0 + 3s);     // one too many: the refusal goes to make room
  EXPECT_EQ(store.claim_now("s1", 1min, t0 + 4s).status, Claim::delivered);
  EXPECT_EQ(store.claim_now("s2", 1min, t0 + 4s).status, Claim::delivered);
  EXPECT_EQ(store.claim_now("p1", 1min, t0 + 4s).status, Claim::delivered);
  EXPECT_EQ(store.claim_now("r1", 1min, t0 + 4s).status, Claim::full);  // forgotten, and no room for it now
  EXPECT_EQ(store.claim_now("s3", 1min, t0 + 5s).status, Claim::full);  // no refusal left: no payment is dropped
  EXPECT_EQ(store.claim_now("s1", 1min, t0 + 6s).status, Claim::delivered);
  EXPECT_EQ(store.evictions(), 1u);
}

TEST(MemoryReplayStore, ARefusalLivesItsOwnShortTimeNotTheStoresRemember) {
  MemoryReplayStore store(100, std::chrono::seconds(24 * 3600));
  const auto t0 = MemoryReplayStore::Clock::now();
  keep(store, "r", kRefusal, t0);
  EXPECT_EQ(store.claim_now("r", 1min, t0 + 599s).status, Claim::delivered);
  EXPECT_EQ(store.claim_now("r", 1min, t0 + 601s).status, Claim::applied);
  // A pinned entry lives at least `remember`, like any settled one, and expires then.
  keep(store, "p", kPinned, t0);
  EXPECT_EQ(store.claim_now("p", 1min, t0 + 23h).status, Claim::delivered);
  EXPECT_EQ(store.claim_now("p", 1min, t0 + 25h).status, Claim::applied);
  EXPECT_EQ(store.evictions(), 0u);
}

TEST(MemoryReplayStore, ExpiredPinnedEntriesMakeRoomAgain) {
  MemoryReplayStore store(1, std::chrono::seconds(60));
  const auto t0 = MemoryReplayStore::Clock::now();
  keep(store, "p", Ending{Finish::delivered, "accepted", std::chrono::seconds(60), payment::Retention::pinned}, t0);
  EXPECT_TRUE(store.pinned_full(t0 + 59s));
  EXPECT_FALSE(store.pinned_full(t0 + 61s));
}

TEST(MemoryReplayStore, ADeliveredEntryIsRevokedOnlyWithItsOwnReceipt) {
  MemoryReplayStore store;
  keep(store, "p", Ending{Finish::delivered, "accepted:1", std::chrono::seconds(3600), payment::Retention::pinned});
  EXPECT_FALSE(store.revoke_now("p", "accepted:2"));
  EXPECT_EQ(store.claim_now("p", 1min).status, Claim::delivered);
  EXPECT_TRUE(store.revoke_now("p", "accepted:1"));
  EXPECT_FALSE(store.pinned_full());
  EXPECT_EQ(store.claim_now("p", 1min).status, Claim::applied);  // nothing was delivered: it may pay again
  EXPECT_FALSE(store.revoke_now("p", "accepted:1"));               // an in-flight claim is not revoked
}

// ---- R2 and R3: landed (settled, not delivered) and delivered -----------------------------------

Ending settled_holding(const std::string& token, std::string receipt = "r") {
  Ending e{Finish::settled, std::move(receipt), {}};
  e.token = token;
  e.hold = true;
  return e;
}

Ending ending(Finish how, const std::string& token, std::string receipt = "r") {
  Ending e{how, std::move(receipt), {}};
  e.token = token;
  return e;
}

TEST(MemoryReplayStore, ASettledClaimStaysHeldUntilItsAnswerIsDelivered) {
  MemoryReplayStore store;
  const payment::ClaimResult c = store.claim_now("k", 1min);
  ASSERT_EQ(c.status, Claim::applied);
  ASSERT_FALSE(c.token.empty());
  EXPECT_EQ(c.lease, 1min);
  EXPECT_TRUE(store.finish_now("k", settled_holding(c.token)));
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::in_flight);  // being delivered
  EXPECT_EQ(store.in_flight(), 1u);
  EXPECT_TRUE(store.finish_now("k", ending(Finish::delivered, c.token)));
  const payment::ClaimResult again = store.claim_now("k", 1min);
  EXPECT_EQ(again.status, Claim::delivered);  // R3
  EXPECT_EQ(again.receipt, "r");
  EXPECT_TRUE(again.token.empty());
  EXPECT_EQ(store.in_flight(), 0u);
}

TEST(MemoryReplayStore, ALandedPaymentIsDeliveredOnceOnItsNextPresentation) {
  MemoryReplayStore store;
  const payment::ClaimResult c = store.claim_now("k", 1min);
  ASSERT_TRUE(store.finish_now("k", settled_holding(c.token)));
  // Nothing of the answer went out: given back, landed.
  ASSERT_TRUE(store.finish_now("k", ending(Finish::settled, c.token)));
  const payment::ClaimResult next = store.claim_now("k", 1min);
  EXPECT_EQ(next.status, Claim::landed);  // R2: served, no second settlement
  EXPECT_EQ(next.receipt, "r");
  EXPECT_FALSE(next.token.empty());
  EXPECT_NE(next.token, c.token);
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::in_flight);  // one delivery at a time
  EXPECT_TRUE(store.finish_now("k", ending(Finish::delivered, next.token)));
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::delivered);
}

TEST(MemoryReplayStore, ALandedPaymentWhoseDelivererVanishedIsLandedAgainAfterItsLease) {
  MemoryReplayStore store;
  const auto t0 = MemoryReplayStore::Clock::now();
  const payment::ClaimResult c = store.claim_now("k", 10s, t0);
  ASSERT_TRUE(store.finish_now("k", settled_holding(c.token), t0));
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 9s).status, Claim::in_flight);
  const payment::ClaimResult later = store.claim_now("k", 10s, t0 + 11s);
  EXPECT_EQ(later.status, Claim::landed);  // never forgotten, never released: settled
  // The stale holder can no longer end it, nor renew it.
  EXPECT_EQ(store.renew_now("k", c.token, 10s, t0 + 12s), payment::Renewal::lost);
  EXPECT_FALSE(store.finish_now("k", ending(Finish::released, c.token), t0 + 12s));
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 12s).status, Claim::in_flight);
}

TEST(MemoryReplayStore, AReleaseOrGiveBackOfALandedPaymentNeverForgetsIt) {
  MemoryReplayStore store;
  const payment::ClaimResult c = store.claim_now("k", 1min);
  ASSERT_TRUE(store.finish_now("k", settled_holding(c.token)));
  store.abandon("k", c.token);  // an exception unwound the delivering request
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::landed);
}

TEST(MemoryReplayStore, DeliveredIsFinal) {
  MemoryReplayStore store;
  const payment::ClaimResult c = store.claim_now("k", 1min);
  ASSERT_TRUE(store.finish_now("k", ending(Finish::delivered, c.token)));
  EXPECT_TRUE(store.finish_now("k", ending(Finish::settled, c.token)));  // known already: nothing changes
  EXPECT_TRUE(store.finish_now("k", ending(Finish::unknown, c.token)));
  EXPECT_FALSE(store.resolve_now("k", Ending{Finish::released, {}, {}}));
  EXPECT_EQ(store.claim_now("k", 1min).status, Claim::delivered);
}

// ---- tokens and renewal -----------------------------------------------------------------------

TEST(MemoryReplayStore, AStaleRequestCannotEndANewerHoldersClaim) {
  MemoryReplayStore store;
  const auto t0 = MemoryReplayStore::Clock::now();
  const payment::ClaimResult stale = store.claim_now("k", 10s, t0);
  const payment::ClaimResult newer = store.claim_now("k", 10s, t0 + 11s);  // the stale one's lease lapsed
  ASSERT_EQ(newer.status, Claim::applied);
  ASSERT_NE(newer.token, stale.token);
  EXPECT_FALSE(store.finish_now("k", ending(Finish::released, stale.token), t0 + 12s));
  store.abandon("k", stale.token);
  EXPECT_EQ(store.renew_now("k", stale.token, 10s, t0 + 12s), payment::Renewal::lost);
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 12s).status, Claim::in_flight);  // still the newer holder's
  EXPECT_EQ(store.renew_now("k", newer.token, 10s, t0 + 12s), payment::Renewal::held);
  EXPECT_TRUE(store.finish_now("k", ending(Finish::released, newer.token), t0 + 13s));
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 13s).status, Claim::applied);
}

TEST(MemoryReplayStore, ARenewedClaimOutlivesItsFirstLease) {
  MemoryReplayStore store;
  const auto t0 = MemoryReplayStore::Clock::now();
  const payment::ClaimResult c = store.claim_now("k", 10s, t0);
  for (int i = 1; i <= 10; ++i) EXPECT_EQ(store.renew_now("k", c.token, 10s, t0 + i * 5s), payment::Renewal::held);
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 59s).status, Claim::in_flight);  // a long answer keeps its claim
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 61s).status, Claim::applied);    // renewals stopped: it lapses
}

TEST(MemoryReplayStore, ASettlementIsRecordedEvenAfterTheLeaseWentToAnother) {
  MemoryReplayStore store;
  const auto t0 = MemoryReplayStore::Clock::now();
  const payment::ClaimResult first = store.claim_now("k", 10s, t0);
  ASSERT_EQ(store.claim_now("k", 10s, t0 + 11s).status, Claim::applied);
  EXPECT_TRUE(store.finish_now("k", ending(Finish::delivered, first.token), t0 + 12s));  // what went to the chain is kept
  EXPECT_EQ(store.claim_now("k", 10s, t0 + 12s).status, Claim::delivered);
}

// A landed payment's answer is owed (R2): a full store never drops it for room; it refuses
// new payments instead.
TEST(MemoryReplayStore, ALandedPaymentIsNeverEvictedForRoom) {
  MemoryReplayStore store(1);
  const payment::ClaimResult c = store.claim_now("landed", 1min);
  ASSERT_TRUE(store.finish_now("landed", ending(Finish::settled, c.token)));
  EXPECT_EQ(store.claim_now("d1", 1min).status, Claim::full);
  EXPECT_EQ(store.claim_now("landed", 1min).status, Claim::landed);
  EXPECT_EQ(store.evictions(), 0u);
}
