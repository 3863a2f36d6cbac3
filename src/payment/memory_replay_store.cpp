#include "payment/memory_replay_store.hpp"

#include <algorithm>

#include "metrics/gateway_metrics.hpp"

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

bool MemoryReplayStore::revoke_now(const std::string& identity, const std::string& receipt, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  forget_old(now);
  auto it = entries_.find(identity);
  if (it == entries_.end() || it->second.state != State::settled || it->second.receipt != receipt) return false;
  drop(it);  // its expiry_ record finds nothing, or a newer entry, and is skipped
  return true;
}

bool MemoryReplayStore::pinned_full(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  forget_old(now);
  return pinned_ >= max_settled_;
}

size_t MemoryReplayStore::evictions() const {
  std::lock_guard lock(mutex_);
  return evictions_;
}

void MemoryReplayStore::drop(Iterator it) {
  if (it->second.state == State::settled) {
    --settled_;
    if (it->second.queue == kPinned) --pinned_;
  }
  entries_.erase(it);
}

void MemoryReplayStore::end(Iterator it, const Ending& ending, Clock::time_point now) {
  if (ending.how == Finish::released) {
    entries_.erase(it);  // an in-flight or unknown entry: no counts; its expiry_ record is skipped later
    return;
  }
  const bool settled = ending.how == Finish::settled;
  const Retention retention = settled ? ending.retention : Retention::standard;
  // A brief refusal lives its own short time: `remember` is for payments, not for what was refused.
  const Clock::time_point until = now + (retention == Retention::brief ? ending.keep : std::max<std::chrono::seconds>(remember_, ending.keep));
  Queue queue = kUnknown;
  if (settled) queue = retention == Retention::brief ? kBrief : retention == Retention::pinned ? kPinned : kStandard;
  it->second = Entry{settled ? State::settled : State::unknown, until, settled ? ending.receipt : std::string(), queue};
  if (settled) {
    ++settled_;
    if (queue == kPinned) ++pinned_;
  }
  expiry_[queue].emplace(until, it->first);
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

awaitable<bool> MemoryReplayStore::revoke(const std::string& identity, const std::string& receipt) {
  co_return revoke_now(identity, receipt);
}

size_t MemoryReplayStore::in_flight(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(), [&](const auto& e) {
    return e.second.state == State::in_flight && now < e.second.until;
  }));
}

bool MemoryReplayStore::evict_one(Queue queue) {
  auto& records = expiry_[queue];
  for (auto next = records.begin(); next != records.end(); next = records.erase(next)) {
    auto it = entries_.find(next->second);
    if (it == entries_.end() || it->second.state == State::in_flight || it->second.queue != queue || it->second.until != next->first)
      continue;  // stale: the entry was released, revoked, or ended again since
    drop(it);
    records.erase(next);
    ++evictions_;
    if (metrics_) metrics_->replay_store_eviction(queue == kBrief ? "refusal" : "settled");
    return true;
  }
  return false;
}

// Drops ended entries whose time is up, then, beyond capacity, brief refusals and then the
// standard settled entries that expire soonest. Pinned entries (nothing else refuses their reuse)
// and unknown outcomes (rare, and must not be lost to a flood) are kept until their time.
void MemoryReplayStore::forget_old(Clock::time_point now) {
  for (auto& records : expiry_)
    while (!records.empty() && records.begin()->first <= now) {
      auto it = entries_.find(records.begin()->second);
      if (it != entries_.end() && it->second.state != State::in_flight && it->second.until == records.begin()->first) drop(it);
      records.erase(records.begin());
    }
  while (settled_ > max_settled_ && (evict_one(kBrief) || evict_one(kStandard))) {
  }
}

}  // namespace x402gw::payment
