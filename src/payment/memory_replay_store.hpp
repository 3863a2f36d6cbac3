#pragma once
// The in-process ReplayStore: one per process, shared by the worker threads (thread-safe).
// Settled payments (landed or delivered) are remembered for the longer of `remember` and the
// ending's `keep` (a brief refusal: its `keep` alone), and at most `max_settled` of them. Past that,
// brief refusals are dropped first, then the delivered standard entries that expire soonest (the
// facilitator's own nonce check still refuses their reuse); pinned entries (accepted pay-then-prove
// hashes, which nothing else would refuse) are never dropped before their time: a store full of them
// says so (pinned_full) and new proofs are refused. Landed entries (an answer still owed, R2) and
// unknown outcomes are never dropped early either; unknown outcomes are not counted against
// `max_settled`. Claims carry tokens and leases that their holders renew. Across replicas this store
// is not shared: see the README's security model.
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
  awaitable<Renewal> renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) override;
  awaitable<bool> finish(const std::string& identity, Ending ending) override;
  awaitable<bool> resolve(const std::string& identity, Ending ending) override;
  void abandon(const std::string& identity, const std::string& token = {}) override {
    Ending ending;
    ending.token = token;
    finish_now(identity, ending);
  }
  awaitable<bool> revoke(const std::string& identity, const std::string& receipt) override;
  bool pinned_full() override { return pinned_full(Clock::now()); }

  /// The synchronous cores of claim(), renew(), finish(), resolve() and revoke(), for tests and for the flow's safety net.
  ClaimResult claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now = Clock::now());
  Renewal renew_now(const std::string& identity, const std::string& token, std::chrono::milliseconds lease,
                    Clock::time_point now = Clock::now());
  bool finish_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());
  bool resolve_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());
  bool revoke_now(const std::string& identity, const std::string& receipt, Clock::time_point now = Clock::now());
  bool pinned_full(Clock::time_point now);

  /// Claims held now (not expired): payments in flight and landed ones being delivered.
  size_t in_flight(Clock::time_point now = Clock::now()) const;
  /// Entries dropped before their time to make room, since start.
  size_t evictions() const;
  /// Where evictions are counted (x402gw_replay_store_evictions_total); null: nowhere.
  void count_in(metrics::GatewayMetrics* metrics) { metrics_ = metrics; }

 private:
  enum class State { in_flight, landed, delivered, unknown };
  // The queues of ended entries, soonest expiry first: one per kind, so that an over-full store
  // finds its refusals, then its standard delivered entries, without walking past the entries it
  // must keep (pinned proofs, landed payments whose answer is owed, unknown outcomes).
  enum Queue { kBrief = 0, kStandard, kPinned, kLanded, kUnknown, kQueues };
  struct Entry {
    State state = State::in_flight;
    std::string token;             // in_flight, landed: the holder's claim ("" for a landed one nobody holds)
    Clock::time_point lease_until; // in_flight, landed and held: the holder's lease ends
    std::chrono::milliseconds lease{0};  // the holder's lease length
    Clock::time_point until;       // landed/delivered/unknown: when it is forgotten
    std::string receipt;           // landed, delivered
    Queue queue = kStandard;       // landed/delivered/unknown: the queue it waits in
  };
  using Iterator = std::unordered_map<std::string, Entry>::iterator;
  static bool held(const Entry& e, Clock::time_point now) { return !e.token.empty() && now < e.lease_until; }
  static bool settled_state(State s) { return s == State::landed || s == State::delivered; }
  // Records a settled or unknown ending; called with the lock held.
  void record(Iterator it, const Ending& ending, Clock::time_point now);
  // Takes an ended entry out of the counts (before it is erased or recorded again); lock held.
  void uncount(const Entry& e);
  // Erases an ended entry and its counts; called with the lock held.
  void drop(Iterator it);
  // Drops the soonest-expiring entry of `queue` (skipping stale records); false when it has none.
  bool evict_one(Queue queue);
  void forget_old(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::array<std::multimap<Clock::time_point, std::string>, kQueues> expiry_;  // ended entries by queue
  size_t settled_ = 0;  // landed and delivered entries held (brief, standard, pinned, landed), against max_settled_
  size_t pinned_ = 0;   // of which pinned
  size_t evictions_ = 0;
  size_t max_settled_;
  std::chrono::seconds remember_;
  metrics::GatewayMetrics* metrics_ = nullptr;
};

/// A fresh claim token: 128 random bits, hex.
std::string new_claim_token();

}  // namespace x402gw::payment
