#pragma once
// A circuit breaker for one facilitator, as a pure state machine: the caller passes the time, so
// each transition is tested with an injected clock. Closed -> open after N consecutive failures;
// open -> half-open once `open_for` has passed, letting one probe call through at a time; the
// probe's success closes it, its failure opens it again. A Retry-After answer holds it open until
// the time it names. One breaker is shared by every worker thread: a small lock guards it.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace x402gw::facilitator {

/// The three states of a breaker.
enum class BreakerState { closed, open, half_open };

/// The state's name, for logs, metrics and readiness reasons.
std::string_view state_name(BreakerState s) noexcept;

/// A change of state, reported so that the caller can count it.
struct BreakerTransition {
  BreakerState from;
  BreakerState to;
};

/// Whether a call may go to the facilitator now.
enum class Admission {
  allowed,  // closed: call
  probe,    // half-open: call; this call decides the state
  refused,  // open, or another probe is under way: skip this facilitator
};

/// The circuit breaker of one facilitator.
class Breaker {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Breaker(config::BreakerSettings settings = {}) : settings_(settings) {}
  Breaker(const Breaker&) = delete;
  Breaker& operator=(const Breaker&) = delete;

  /// New thresholds (a reload); the state stays.
  void configure(config::BreakerSettings settings);

  /// Asks to make a call at `now`; `transition` is set when asking moved open -> half-open.
  Admission admit(Clock::time_point now, std::optional<BreakerTransition>* transition = nullptr);

  /// The result of a call admitted as `admission`. `reason` describes a failure (kept for readiness).
  std::optional<BreakerTransition> record(Admission admission, bool success, Clock::time_point now,
                                          std::string_view reason = {});

  /// The facilitator asked not to be called before `until` (Retry-After): open until then.
  std::optional<BreakerTransition> hold_until(Clock::time_point until, Clock::time_point now, std::string_view reason);

  /// What the breaker looks like at `now` (open turns half-open once its time is up).
  struct Snapshot {
    BreakerState state = BreakerState::closed;
    int consecutive_failures = 0;
    Clock::duration open_remaining{0};  // open: how long until a probe may go
    std::string last_failure;
  };
  Snapshot snapshot(Clock::time_point now) const;

 private:
  std::optional<BreakerTransition> move_to(BreakerState to);

  mutable std::mutex mutex_;
  config::BreakerSettings settings_;
  BreakerState state_ = BreakerState::closed;
  int failures_ = 0;
  Clock::time_point open_until_{};
  bool probe_in_flight_ = false;
  Clock::time_point probe_started_{};
  std::string last_failure_;
};

}  // namespace x402gw::facilitator
