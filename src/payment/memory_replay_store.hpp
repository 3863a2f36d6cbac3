#pragma once
// The in-process ReplayStore: one per process, shared by the worker threads (thread-safe).
// Settled payments are remembered for the longer of `remember` and the ending's `keep` (a brief
// refusal: its `keep` alone), and at most `max_settled` of them. Past that, brief refusals are
// dropped first, then the standard settled entries that expire soonest (the facilitator's own nonce
// check still refuses their reuse); pinned entries (accepted pay-then-prove hashes, which nothing
// else would refuse) are never dropped before their time: a store full of them says so
// (pinned_full) and new proofs are refused. Unknown outcomes are not counted against
// `max_settled`: they stay until resolved or their time is up. Across replicas this store is not
// shared: see the README's security model.
#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "payment/replay_store.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}

namespace x402gw::payment {

/// Payment claims in this process's memory.
class MemoryReplayStore final : public ReplayStore {
 public:
  using Clock = std::chrono::steady_clock;

  explicit MemoryReplayStore(size_t max_settled = 200'000, std::chrono::seconds remember = std::chrono::hours(24))
      : max_settled_(max_settled), remember_(remember) {}

  awaitable<ClaimResult> claim(const std::string& identity, std::chrono::milliseconds lease) override;
  awaitable<bool> finish(const std::string& identity, Ending ending) override;
  awaitable<bool> resolve(const std::string& identity, Ending ending) override;
  void abandon(const std::string& identity) override { finish_now(identity, Ending{}); }
  awaitable<bool> revoke(const std::string& identity, const std::string& receipt) override;
  bool pinned_full() override { return pinned_full(Clock::now()); }

  /// The synchronous cores of claim(), finish(), resolve() and revoke(), for tests and for the flow's safety net.
  ClaimResult claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now = Clock::now());
  bool finish_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());
  bool resolve_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());
  bool revoke_now(const std::string& identity, const std::string& receipt, Clock::time_point now = Clock::now());
  bool pinned_full(Clock::time_point now);

  /// Claims in flight now (not expired).
  size_t in_flight(Clock::time_point now = Clock::now()) const;
  /// Entries dropped before their time to make room, since start.
  size_t evictions() const;
  /// Where evictions are counted (x402gw_replay_store_evictions_total); null: nowhere.
  void count_in(metrics::GatewayMetrics* metrics) { metrics_ = metrics; }

 private:
  enum class State { in_flight, settled, unknown };
  // The queues of ended entries, soonest expiry first: one per kind, so that an over-full store
  // finds its refusals, then its standard settled entries, without walking past pinned ones.
  enum Queue { kBrief = 0, kStandard, kPinned, kUnknown, kQueues };
  struct Entry {
    State state;
    Clock::time_point until;  // in_flight: the lease's end; settled/unknown: when it is forgotten
    std::string receipt;      // settled
    Queue queue = kStandard;  // settled/unknown: the queue it waits in
  };
  using Iterator = std::unordered_map<std::string, Entry>::iterator;
  // Turns an entry into its ended state; called with the lock held.
  void end(Iterator it, const Ending& ending, Clock::time_point now);
  // Erases an ended entry and its counts; called with the lock held.
  void drop(Iterator it);
  // Drops the soonest-expiring entry of `queue` (skipping stale records); false when it has none.
  bool evict_one(Queue queue);
  void forget_old(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::array<std::multimap<Clock::time_point, std::string>, kQueues> expiry_;  // ended entries by queue
  size_t settled_ = 0;  // settled entries held (brief, standard and pinned), against max_settled_
  size_t pinned_ = 0;   // of which pinned
  size_t evictions_ = 0;
  size_t max_settled_;
  std::chrono::seconds remember_;
  metrics::GatewayMetrics* metrics_ = nullptr;
};

}  // namespace x402gw::payment
