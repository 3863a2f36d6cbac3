#pragma once
// The in-process ReplayStore: one per process, shared by the worker threads (thread-safe).
// Settled payments are remembered for the longer of `remember` and the ending's `keep`, and at most
// `max_settled` of them; past that the facilitator's own nonce check still refuses a reuse. Unknown
// outcomes are not counted against `max_settled`: they stay until resolved or their time is up.
// Across replicas this store is not shared: see the README's security model.
#include <chrono>
#include <cstddef>
#include <map>
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

  awaitable<ClaimResult> claim(const std::string& identity, std::chrono::milliseconds lease) override;
  awaitable<bool> finish(const std::string& identity, Ending ending) override;
  awaitable<bool> resolve(const std::string& identity, Ending ending) override;
  void abandon(const std::string& identity) override { finish_now(identity, Ending{}); }

  /// The synchronous cores of claim(), finish() and resolve(), for tests and for the flow's safety net.
  ClaimResult claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now = Clock::now());
  bool finish_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());
  bool resolve_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());

  /// Claims in flight now (not expired).
  size_t in_flight(Clock::time_point now = Clock::now()) const;

 private:
  enum class State { in_flight, settled, unknown };
  struct Entry {
    State state;
    Clock::time_point until;  // in_flight: the lease's end; settled/unknown: when it is forgotten
    std::string receipt;      // settled
  };
  // Turns an entry into its ended state; called with the lock held.
  void end(std::unordered_map<std::string, Entry>::iterator it, const Ending& ending, Clock::time_point now);
  void forget_old(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::multimap<Clock::time_point, std::string> expiry_;  // settled and unknown entries, soonest first
  size_t settled_ = 0;                                    // settled entries held
  size_t max_settled_;
  std::chrono::seconds remember_;
};

}  // namespace x402gw::payment
