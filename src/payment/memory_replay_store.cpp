#include "payment/memory_replay_store.hpp"

#include <algorithm>
#include <random>

#include "metrics/gateway_metrics.hpp"
#include "x402/digest.hpp"

namespace x402gw::payment {

std::string new_claim_token() {
  thread_local std::mt19937_64 random{std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32)};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) token[half * 16 + i] = kHex[bits & 15];
  }
  return token;
}

MemoryReplayStore::Key MemoryReplayStore::key_of(const std::string& identity) {
  const std::string digest = x402::sha256(identity);
  Key key{};
  std::memcpy(key.data(), digest.data(), std::min(digest.size(), key.size()));
  return key;
}

// A token cleared with its heap buffer: a remembered payment holds no claim.
static void release_token(std::string& token) { std::string().swap(token); }

ClaimResult MemoryReplayStore::claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now) {
  const Key key = key_of(identity);
  std::lock_guard lock(mutex_);
  forget_old(now);
  auto take = [&](Entry& e) {
    e.token = new_claim_token();
    e.lease_until = now + lease;
    e.lease = lease;
  };
  if (entries_.size() >= max_payments_ && !entries_.contains(key)) {
    // Full: room is made only from brief refusals; an unexpired payment is never forgotten early.
    while (entries_.size() >= max_payments_ && (evict_one(kBrief, now) || evict_one(kStandard, now))) {
    }
    // Claims abandoned without an ending (a request that died) stay until their identity is
    // claimed again; a full store takes their room back, at most once a second (a walk of the table).
    if (entries_.size() >= max_payments_ && now - last_lapsed_sweep_ >= std::chrono::seconds(1)) {
      last_lapsed_sweep_ = now;
      std::erase_if(entries_, [&](const auto& kv) { return kv.second.state == State::in_flight && !held(kv.second, now); });
    }
    if (entries_.size() >= max_payments_) {
      ++refused_full_;
      if (metrics_) metrics_->replay_store_full();
      ClaimResult full{Claim::full, {}, {}, {}};
      full.retry_after = until_room(now);
      return full;
    }
  }
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (inserted) {
    e.state = State::in_flight;
    take(e);
    return {Claim::applied, {}, e.token, lease};
  }
  switch (e.state) {
    case State::delivered: return {Claim::delivered, e.receipt, {}, {}};
    case State::unknown: return {Claim::outcome_unknown, {}, {}, {}};
    case State::landed:
      if (held(e, now)) return {Claim::in_flight, {}, {}, {}};
      take(e);  // its answer was never delivered: this request delivers it (R2)
      return {Claim::landed, e.receipt, e.token, lease};
    case State::in_flight:
      if (held(e, now)) return {Claim::in_flight, {}, {}, {}};
      take(e);  // an abandoned claim whose lease ran out
      return {Claim::applied, {}, e.token, lease};
  }
  return {Claim::in_flight, {}, {}, {}};
}

Renewal MemoryReplayStore::renew_now(const std::string& identity, const std::string& token, std::chrono::milliseconds lease,
                                     Clock::time_point now) {
  const Key key = key_of(identity);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (token.empty() || it == entries_.end() || it->second.token != token) return Renewal::lost;
  Entry& e = it->second;
  if (e.state != State::in_flight && e.state != State::landed) return Renewal::lost;
  // A lease that ran out while nobody else claimed the payment is still this request's to renew.
  e.lease_until = now + lease;
  e.lease = lease;
  return Renewal::held;
}

bool MemoryReplayStore::finish_now(const std::string& identity, const Ending& ending, Clock::time_point now) {
  const Key key = key_of(identity);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  const bool mine = it != entries_.end() && (ending.token.empty() ? held(it->second, now) || it->second.state == State::in_flight
                                                                   : it->second.token == ending.token);
  switch (ending.how) {
    case Finish::released:
      if (!mine) return false;
      if (it->second.state == State::in_flight) {
        entries_.erase(it);  // its expiry_ record, if any, finds nothing or a newer entry and is skipped
        return true;
      }
      if (it->second.state == State::landed) {  // a landed payment is given back, never forgotten
        release_token(it->second.token);
        return true;
      }
      return false;
    case Finish::delivered:
      if (it == entries_.end()) it = entries_.try_emplace(key).first;
      else if (it->second.state == State::delivered) return true;
      record(it, ending, now);
      return true;
    case Finish::settled:
      if (it == entries_.end()) it = entries_.try_emplace(key).first;
      else if (it->second.state == State::delivered) return true;  // never back from delivered
      else if (it->second.state == State::landed && !mine && held(it->second, now)) return true;  // known: another delivers it
      record(it, ending, now);
      return true;
    case Finish::unknown:
      if (it == entries_.end()) it = entries_.try_emplace(key).first;
      else if (it->second.state != State::in_flight) return true;  // its settlement is known already
      record(it, ending, now);
      return true;
  }
  return false;
}

bool MemoryReplayStore::resolve_now(const std::string& identity, const Ending& ending, Clock::time_point now) {
  const Key key = key_of(identity);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.state != State::unknown) return false;
  if (ending.how == Finish::released) {
    entries_.erase(it);
    return true;
  }
  if (ending.how != Finish::settled) return false;  // a reconciled payment's answer was never delivered
  Ending free = ending;
  free.hold = false;  // reconciled: nobody holds it, the next presentation gets its answer
  free.token.clear();
  record(it, free, now);
  return true;
}

bool MemoryReplayStore::revoke_now(const std::string& identity, const std::string& receipt, Clock::time_point now) {
  const Key key = key_of(identity);
  std::lock_guard lock(mutex_);
  forget_old(now);
  auto it = entries_.find(key);
  if (it == entries_.end() || !settled_state(it->second.state) || it->second.receipt != receipt) return false;
  drop(it);  // its expiry_ record finds nothing, or a newer entry, and is skipped
  return true;
}

bool MemoryReplayStore::pinned_full(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  forget_old(now);
  return pinned_ >= max_payments_;
}

size_t MemoryReplayStore::evictions() const {
  std::lock_guard lock(mutex_);
  return evictions_;
}

size_t MemoryReplayStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

size_t MemoryReplayStore::max_payments() const {
  std::lock_guard lock(mutex_);
  return max_payments_;
}

size_t MemoryReplayStore::refused_full() const {
  std::lock_guard lock(mutex_);
  return refused_full_;
}

std::chrono::seconds MemoryReplayStore::until_room(Clock::time_point now) const {
  std::optional<Clock::time_point> soonest;
  for (const auto& records : expiry_)
    if (!records.empty() && (!soonest || records.begin()->first < *soonest)) soonest = records.begin()->first;
  if (!soonest) return std::chrono::seconds(60);  // all in flight: claims end within their lease
  const auto wait = std::chrono::ceil<std::chrono::seconds>(*soonest - now);
  return std::max(wait, std::chrono::seconds(1));
}

void MemoryReplayStore::uncount(const Entry& e) {
  if (!settled_state(e.state)) return;
  --settled_;
  if (e.queue == kPinned) --pinned_;
}

void MemoryReplayStore::drop(Iterator it) {
  uncount(it->second);
  entries_.erase(it);
}

void MemoryReplayStore::record(Iterator it, const Ending& ending, Clock::time_point now) {
  Entry& e = it->second;
  uncount(e);
  const std::chrono::milliseconds lease = e.lease.count() > 0 ? e.lease : std::chrono::milliseconds(std::chrono::minutes(1));
  const State state = ending.how == Finish::delivered ? State::delivered : ending.how == Finish::settled ? State::landed : State::unknown;
  // Retention applies to what is used up: a landed payment's answer is owed (R2), so it is kept
  // its full time and never dropped early, whatever the ending asked.
  const Retention retention = state == State::delivered ? ending.retention : Retention::standard;
  // A brief refusal lives its own short time: `remember` is for payments, not for what was refused.
  const std::chrono::seconds keep = retention == Retention::brief ? ending.keep : std::max<std::chrono::seconds>(remember_, ending.keep);
  Queue queue = kUnknown;
  if (state == State::landed) queue = kLanded;
  else if (state == State::delivered) queue = retention == Retention::brief ? kBrief : retention == Retention::pinned ? kPinned : kStandard;
  e.state = state;
  e.until = now + keep;
  // A delivered payment needs remembering only while it could still settle (the flow's `keep`);
  // without a `keep` of its own, for its whole time.
  e.valid_until = ending.keep.count() > 0 ? std::min(e.until, now + ending.keep) : e.until;
  e.queue = queue;
  e.receipt = settled_state(state) ? ending.receipt : std::string();
  e.receipt.shrink_to_fit();
  if (state == State::landed && ending.hold) {
    e.token = ending.token;
    e.lease_until = now + lease;
    e.lease = lease;
  } else {
    release_token(e.token);
  }
  if (settled_state(state)) {
    ++settled_;
    if (queue == kPinned) ++pinned_;
  }
  expiry_[queue].emplace(queued_at(e), it->first);
  forget_old(now);
}

awaitable<ClaimResult> MemoryReplayStore::claim(const std::string& identity, std::chrono::milliseconds lease) {
  co_return claim_now(identity, lease);
}

awaitable<Renewal> MemoryReplayStore::renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) {
  co_return renew_now(identity, token, lease);
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
    return (e.second.state == State::in_flight || e.second.state == State::landed) && held(e.second, now);
  }));
}

bool MemoryReplayStore::evict_one(Queue queue, Clock::time_point now) {
  auto& records = expiry_[queue];
  for (auto next = records.begin(); next != records.end(); next = records.erase(next)) {
    auto it = entries_.find(next->second);
    if (it == entries_.end() || it->second.state == State::in_flight || it->second.queue != queue || queued_at(it->second) != next->first)
      continue;  // stale: the entry was released, revoked, or ended again since
    // A standard payment that could still settle is never dropped: a full store refuses instead.
    if (queue == kStandard && it->second.valid_until > now) return false;
    drop(it);
    records.erase(next);
    ++evictions_;
    if (metrics_) metrics_->replay_store_eviction(queue == kBrief ? "refusal" : "expired");
    return true;
  }
  return false;
}

// Drops ended entries whose time is up, then, beyond the bound, brief refusals (kept only to spare
// the chain). Every other ended entry (a settled payment, refused R3 or owed R2; a pinned proof; an
// unknown outcome) is kept until its time: past the bound, new payments are refused instead
// (claim_now).
void MemoryReplayStore::forget_old(Clock::time_point now) {
  for (auto& records : expiry_)
    while (!records.empty() && records.begin()->first <= now) {
      auto it = entries_.find(records.begin()->second);
      const bool current = it != entries_.end() && it->second.state != State::in_flight && queued_at(it->second) == records.begin()->first;
      if (current && it->second.until > now) break;  // a standard entry past its validity, not yet due: kept for `remember`
      if (current) drop(it);
      records.erase(records.begin());
    }
  while (entries_.size() > max_payments_ && evict_one(kBrief, now)) {
  }
}

}  // namespace x402gw::payment
