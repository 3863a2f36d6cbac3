#pragma once
// The in-process ReplayStore: one per process, shared by the worker threads (thread-safe).
// Settled payments are remembered for `remember` (longer than any payment stays valid) and at most
// `max_settled` of them; past that the facilitator's own nonce check still refuses a reuse. Across
// replicas this store is not shared: see the README's security model.
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "payment/replay_store.hpp"

namespace x402gw::payment {

/// Payment claims in this process's memory.
class MemoryReplayStore final : public ReplayStore {
 public:
  using Clock = std::chrono::steady_clock;

  explicit MemoryReplayStore(size_t max_settled = 200'000, std::chrono::seconds remember = std::chrono::hours(24))
      : max_settled_(max_settled), remember_(remember) {}

  awaitable<Claim> claim(const std::string& identity, std::chrono::milliseconds lease) override;
  awaitable<void> finish(const std::string& identity, Finish how) override;
  void abandon(const std::string& identity) override { finish_now(identity, Finish::released); }

  /// The synchronous core of claim() and finish(), for tests and for the flow's safety net.
  Claim claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now = Clock::now());
  void finish_now(const std::string& identity, Finish how, Clock::time_point now = Clock::now());

  /// Claims in flight now (not expired).
  size_t in_flight(Clock::time_point now = Clock::now()) const;

 private:
  enum class State { in_flight, settled, unknown };
  struct Entry {
    State state;
    Clock::time_point since;      // when it was claimed or finished
    Clock::time_point lease_end;  // in_flight only
  };
  void forget_old(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<std::string, Clock::time_point>> finished_order_;  // settled and unknown, oldest first
  size_t max_settled_;
  std::chrono::seconds remember_;
};

}  // namespace x402gw::payment
