#pragma once
// The in-process ReplayStore: one per process, shared by the worker threads (thread-safe).
// Settled payments (landed or delivered) are remembered for the longer of `remember` and the
// ending's `keep`, and at most `max_settled` of them; past that the facilitator's own nonce check
// still refuses a reuse. Unknown outcomes are not counted against `max_settled`: they stay until
// resolved or their time is up. Claims carry tokens and leases that their holders renew.
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
  awaitable<Renewal> renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) override;
  awaitable<bool> finish(const std::string& identity, Ending ending) override;
  awaitable<bool> resolve(const std::string& identity, Ending ending) override;
  void abandon(const std::string& identity, const std::string& token = {}) override {
    Ending ending;
    ending.token = token;
    finish_now(identity, ending);
  }

  /// The synchronous cores of claim(), renew(), finish() and resolve(), for tests and for the flow's safety net.
  ClaimResult claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now = Clock::now());
  Renewal renew_now(const std::string& identity, const std::string& token, std::chrono::milliseconds lease,
                    Clock::time_point now = Clock::now());
  bool finish_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());
  bool resolve_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());

  /// Claims held now (not expired): payments in flight and landed ones being delivered.
  size_t in_flight(Clock::time_point now = Clock::now()) const;

 private:
  enum class State { in_flight, landed, delivered, unknown };
  struct Entry {
    State state = State::in_flight;
    std::string token;             // in_flight, landed: the holder's claim ("" for a landed one nobody holds)
    Clock::time_point lease_until; // in_flight, landed and held: the holder's lease ends
    std::chrono::milliseconds lease{0};  // the holder's lease length
    Clock::time_point until;       // landed/delivered/unknown: when it is forgotten
    std::string receipt;           // landed, delivered
  };
  static bool held(const Entry& e, Clock::time_point now) { return !e.token.empty() && now < e.lease_until; }
  static bool settled_state(State s) { return s == State::landed || s == State::delivered; }
  // Records a settled or unknown ending; called with the lock held.
  void record(std::unordered_map<std::string, Entry>::iterator it, const Ending& ending, Clock::time_point now);
  void forget_old(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::multimap<Clock::time_point, std::string> expiry_;  // landed, delivered and unknown entries, soonest first
  size_t settled_ = 0;                                    // landed and delivered entries held
  size_t max_settled_;
  std::chrono::seconds remember_;
};

/// A fresh claim token: 128 random bits, hex.
std::string new_claim_token();

}  // namespace x402gw::payment
