#include "payment/memory_replay_store.hpp"

#include <algorithm>

namespace x402gw::payment {

Claim MemoryReplayStore::claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  forget_old(now);
  auto [it, inserted] = entries_.try_emplace(identity, Entry{State::in_flight, now, now + lease});
  if (inserted) return Claim::applied;
  Entry& e = it->second;
  switch (e.state) {
    case State::settled: return Claim::already_settled;
    case State::unknown: return Claim::outcome_unknown;
    case State::in_flight:
      if (now < e.lease_end) return Claim::in_flight;
      e = Entry{State::in_flight, now, now + lease};  // an abandoned claim whose lease ran out
      return Claim::applied;
  }
  return Claim::in_flight;
}

void MemoryReplayStore::finish_now(const std::string& identity, Finish how, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(identity);
  if (it == entries_.end() || it->second.state != State::in_flight) return;
  if (how == Finish::released) {
    entries_.erase(it);
    return;
  }
  it->second = Entry{how == Finish::settled ? State::settled : State::unknown, now, {}};
  finished_order_.emplace_back(identity, now);
  forget_old(now);
}

awaitable<Claim> MemoryReplayStore::claim(const std::string& identity, std::chrono::milliseconds lease) {
  co_return claim_now(identity, lease);
}

awaitable<void> MemoryReplayStore::finish(const std::string& identity, Finish how) {
  finish_now(identity, how);
  co_return;
}

size_t MemoryReplayStore::in_flight(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(), [&](const auto& e) {
    return e.second.state == State::in_flight && now < e.second.lease_end;
  }));
}

void MemoryReplayStore::forget_old(Clock::time_point now) {
  while (!finished_order_.empty() &&
         (finished_order_.size() > max_settled_ || now - finished_order_.front().second > remember_)) {
    auto it = entries_.find(finished_order_.front().first);
    if (it != entries_.end() && it->second.state != State::in_flight && it->second.since == finished_order_.front().second)
      entries_.erase(it);
    finished_order_.pop_front();
  }
}

}  // namespace x402gw::payment
