#include "facilitator/breaker.hpp"

namespace x402gw::facilitator {

std::string_view state_name(BreakerState s) noexcept {
  switch (s) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half_open";
  }
  return "closed";
}

void Breaker::configure(config::BreakerSettings settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
}

std::optional<BreakerTransition> Breaker::move_to(BreakerState to) {
  if (state_ == to) return std::nullopt;
  BreakerTransition t{state_, to};
  state_ = to;
  return t;
}

Admission Breaker::admit(Clock::time_point now, std::optional<BreakerTransition>* transition) {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case BreakerState::closed: return Admission::allowed;
    case BreakerState::open:
      if (now < open_until_) return Admission::refused;
      if (transition) *transition = move_to(BreakerState::half_open);
      else move_to(BreakerState::half_open);
      probe_in_flight_ = true;
      probe_started_ = now;
      return Admission::probe;
    case BreakerState::half_open:
      // A probe whose result never came (its request was abandoned) frees the slot after open_for.
      if (probe_in_flight_ && now - probe_started_ < settings_.open_for) return Admission::refused;
      probe_in_flight_ = true;
      probe_started_ = now;
      return Admission::probe;
  }
  return Admission::refused;
}

std::optional<BreakerTransition> Breaker::record(Admission admission, bool success, Clock::time_point now,
                                                 std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (!success) last_failure_ = reason;
  if (admission == Admission::probe) {
    probe_in_flight_ = false;
    if (state_ != BreakerState::half_open) return std::nullopt;  // a Retry-After reopened it meanwhile
    if (success) {
      failures_ = 0;
      return move_to(BreakerState::closed);
    }
    ++failures_;
    open_until_ = now + settings_.open_for;
    return move_to(BreakerState::open);
  }
  // Calls let through while closed count only while it still is: the probe decides otherwise.
  if (admission != Admission::allowed || state_ != BreakerState::closed) return std::nullopt;
  if (success) {
    failures_ = 0;
    return std::nullopt;
  }
  if (++failures_ < settings_.failures) return std::nullopt;
  open_until_ = now + settings_.open_for;
  return move_to(BreakerState::open);
}

std::optional<BreakerTransition> Breaker::hold_until(Clock::time_point until, Clock::time_point now,
                                                     std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (until <= now) return std::nullopt;
  last_failure_ = reason;
  probe_in_flight_ = false;
  if (state_ != BreakerState::open || until > open_until_) open_until_ = until;
  return move_to(BreakerState::open);
}

Breaker::Snapshot Breaker::snapshot(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  Snapshot s;
  s.state = state_;
  if (state_ == BreakerState::open && now >= open_until_) s.state = BreakerState::half_open;
  s.consecutive_failures = failures_;
  if (s.state == BreakerState::open) s.open_remaining = open_until_ - now;
  s.last_failure = last_failure_;
  return s;
}

}  // namespace x402gw::facilitator
