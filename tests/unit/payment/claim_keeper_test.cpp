// The renewal of a request's claim (ClaimKeeper) and the recording of an outcome the store missed,
// over the in-process store: a long answer keeps its claim past its first lease (the memory store
// never renewed one before), a claim taken by another request is seen as lost, and an ending the
// store could not take is retried until it is recorded.
#include "payment/claim_keeper.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "payment/memory_replay_store.hpp"

using namespace x402gw;
using namespace std::chrono_literals;
using payment::Claim;
using payment::ClaimKeeper;
using payment::Ending;
using payment::Finish;
using payment::MemoryReplayStore;

namespace {

// The memory store, with finish() failing (as a store that cannot answer) while `failures` lasts.
class FlakyStore final : public payment::ReplayStore {
 public:
  awaitable<payment::ClaimResult> claim(const std::string& identity, std::chrono::milliseconds lease) override {
    co_return inner.claim_now(identity, lease);
  }
  awaitable<payment::Renewal> renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) override {
    co_return inner.renew_now(identity, token, lease);
  }
  awaitable<bool> finish(const std::string& identity, Ending ending) override {
    ++finishes;
    if (failures > 0) {
      --failures;
      co_return false;
    }
    co_return inner.finish_now(identity, ending);
  }
  awaitable<bool> resolve(const std::string& identity, Ending ending) override { co_return inner.resolve_now(identity, ending); }
  void abandon(const std::string& identity, const std::string& token) override { inner.abandon(identity, token); }
  awaitable<bool> revoke(const std::string& identity, const std::string& receipt) override { co_return inner.revoke_now(identity, receipt); }

  MemoryReplayStore inner;
  int failures = 0;
  int finishes = 0;
};

}  // namespace

// Defect (store part): the memory store never renewed a lease, so a long answer lost its claim.
TEST(ClaimKeeper, KeepsAMemoryClaimPastItsLeaseWhileItRuns) {
  asio::io_context ioc;
  MemoryReplayStore store;
  const payment::ClaimResult c = store.claim_now("k", 300ms);
  ASSERT_EQ(c.status, Claim::applied);
  auto keeper = std::make_unique<ClaimKeeper>(store, nullptr);
  keeper->start(ioc.get_executor(), "k", c.token, c.lease);
  ioc.run_for(1s);
  EXPECT_TRUE(keeper->held());
  EXPECT_EQ(store.claim_now("k", 300ms).status, Claim::in_flight);
  keeper.reset();  // the request ended without finishing: renewals stop, the lease runs out
  ioc.restart();
  ioc.run_for(100ms);  // the renewal loop sees it stopped (and the context runs out of work)
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(store.claim_now("k", 300ms).status, Claim::applied);
}

TEST(ClaimKeeper, SeesItsClaimLostToAnotherRequest) {
  asio::io_context ioc;
  MemoryReplayStore store;
  const auto t0 = MemoryReplayStore::Clock::now();
  const payment::ClaimResult c = store.claim_now("k", 300ms, t0);
  ClaimKeeper keeper(store, nullptr);
  keeper.start(ioc.get_executor(), "k", c.token, 300ms);
  EXPECT_TRUE(keeper.held());
  ASSERT_EQ(store.claim_now("k", 10s, t0 + 400ms).status, Claim::applied);  // as if its lease had lapsed
  ioc.run_for(400ms);
  EXPECT_FALSE(keeper.held());
}

TEST(ClaimKeeper, AClaimIsNotHeldOnceNoRenewalSucceededForALease) {
  // A store that never answers a renewal: renewals fail, and after a lease the claim is not trusted.
  class Silent final : public payment::ReplayStore {
   public:
    awaitable<payment::ClaimResult> claim(const std::string&, std::chrono::milliseconds) override { co_return payment::ClaimResult{}; }
    awaitable<payment::Renewal> renew(const std::string&, const std::string&, std::chrono::milliseconds) override {
      co_return payment::Renewal::failed;
    }
    awaitable<bool> finish(const std::string&, Ending) override { co_return false; }
    awaitable<bool> resolve(const std::string&, Ending) override { co_return false; }
    void abandon(const std::string&, const std::string&) override {}
    awaitable<bool> revoke(const std::string&, const std::string&) override { co_return false; }
  } silent;
  asio::io_context ioc;
  ClaimKeeper keeper(silent, nullptr);
  keeper.start(ioc.get_executor(), "k", "token", 300ms);
  ioc.run_for(100ms);
  EXPECT_TRUE(keeper.held());
  ioc.restart();
  ioc.run_for(400ms);
  EXPECT_FALSE(keeper.held());
}

// record_ending() is a coroutine that keeps a reference to the identity: a named string that
// outlives it, not a temporary (ASan: stack-use-after-scope).
const std::string kIdentity = "k";

// Defect: finish()'s result was ignored, so an unknown outcome the store missed left the payment
// claimable again once its lease ran out.
TEST(RecordEnding, RetriesAnOutcomeTheStoreCouldNotTake) {
  asio::io_context ioc;
  FlakyStore store;
  const payment::ClaimResult c = store.inner.claim_now("k", 300ms);
  store.failures = 2;
  Ending unknown{Finish::unknown, {}, {}};
  unknown.token = c.token;
  bool recorded = false;
  asio::co_spawn(ioc, payment::record_ending(store, nullptr, kIdentity, unknown), [&](std::exception_ptr, bool ok) { recorded = ok; });
  ioc.run_for(2s);
  EXPECT_TRUE(recorded);
  EXPECT_EQ(store.finishes, 3);
  EXPECT_EQ(store.inner.claim_now("k", 300ms).status, Claim::outcome_unknown);
}

TEST(RecordEnding, KeepsTheClaimAndRetriesInTheBackgroundUntilRecorded) {
  asio::io_context ioc;
  FlakyStore store;
  const payment::ClaimResult c = store.inner.claim_now("k", 300ms);
  store.failures = 4;  // more than record_ending tries: the outage outlasts the request
  Ending unknown{Finish::unknown, {}, {}};
  unknown.token = c.token;
  bool recorded = true;
  asio::co_spawn(ioc, payment::record_ending(store, nullptr, kIdentity, unknown), [&](std::exception_ptr, bool ok) { recorded = ok; });
  ioc.run_for(1500ms);
  ASSERT_FALSE(recorded);
  store.failures = 3;
  payment::record_in_background(ioc.get_executor(), store, nullptr, "k", unknown, c.lease);
  ioc.restart();
  ioc.run_for(1s);  // past the 300 ms lease: only the keeper's renewals hold the claim
  EXPECT_EQ(store.inner.claim_now("k", 300ms).status, Claim::in_flight);
  ioc.restart();
  ioc.run_for(4s);
  EXPECT_EQ(store.inner.claim_now("k", 300ms).status, Claim::outcome_unknown);
}
