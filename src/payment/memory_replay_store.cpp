#include "payment/memory_replay_store.hpp"

#include <algorithm>

namespace x402gw::payment {

ClaimResult MemoryReplayStore::claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  forget_old(now);
  auto [it, inserted] = entries_.try_emplace(identity, Entry{State::in_flight, now + lease, {}});
  if (inserted) return {Claim::applied, {}};
  Entry& e = it->second;
  switch (e.state) {
    case State::settled: return {Claim::already_settled, e.receipt};
    case State::unknown: return {Claim::outcome_unknown, {}};
    case State::in_flight:
      if (now < e.until) return {Claim::in_flight, {}};
      e = Entry{State::in_flight, now + lease, {}};  // an abandoned claim whose lease ran out
      return {Claim::applied, {}};
  }
  return {Claim::in_flight, {}};
}

bool MemoryReplayStore::finish_now(const std::string& identity, const Ending& ending, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(identity);
  if (it == entries_.end() || it->second.state != State::in_flight) return false;
  end(it, ending, now);
  return true;
}

bool MemoryReplayStore::resolve_now(const std::string& identity, const Ending& ending, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(identity);
  if (it == entries_.end() || it->second.state != State::unknown) return false;
  end(it, ending, now);
  return true;
}

void MemoryReplayStore::end(std::unordered_map<std::string, Entry>::iterator it, const Ending& ending, Clock::time_point now) {
  if (it->second.state == State::settled) --settled_;
  if (ending.how == Finish::released) {
    entries_.erase(it);  // its expiry_ record, if any, finds nothing or a newer entry and is skipped
    return;
  }
  const Clock::time_point until = now + std::max<std::chrono::seconds>(remember_, ending.keep);
  const State state = ending.how == Finish::settled ? State::settled : State::unknown;
  it->second = Entry{state, until, state == State::settled ? ending.receipt : std::string()};
  if (state == State::settled) ++settled_;
  expiry_.emplace(until, it->first);
  forget_old(now);
}

awaitable<ClaimResult> MemoryReplayStore::claim(const std::string& identity, std::chrono::milliseconds lease) {
  co_return claim_now(identity, lease);
}

awaitable<bool> MemoryReplayStore::finish(const std::string& identity, Ending ending) {
  co_return finish_now(identity, ending);
}

awaitable<bool> MemoryReplayStore::resolve(const std::string& identity, Ending ending) {
  co_return resolve_now(identity, ending);
}

size_t MemoryReplayStore::in_flight(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(), [&](const auto& e) {
    return e.second.state == State::in_flight && now < e.second.until;
  }));
}

// Drops ended entries whose time is up, then the soonest-expiring settled ones beyond capacity
// (unknown outcomes are kept until their time: they are rare and must not be lost to a flood).
void MemoryReplayStore::forget_old(Clock::time_point now) {
  for (auto next = expiry_.begin(); next != expiry_.end();) {
    auto it = entries_.find(next->second);
    const bool current = it != entries_.end() && it->second.state != State::in_flight && it->second.until == next->first;
    if (!current) {
      next = expiry_.erase(next);
      continue;
    }
    const bool expired = next->first <= now;
    const bool over = settled_ > max_settled_ && it->second.state == State::settled;
    if (!expired && !over) {
      if (settled_ <= max_settled_) break;
      ++next;
      continue;
    }
    if (it->second.state == State::settled) --settled_;
    entries_.erase(it);
    next = expiry_.erase(next);
  }
}

}  // namespace x402gw::payment
