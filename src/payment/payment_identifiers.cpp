#include "payment/payment_identifiers.hpp"

namespace x402gw::payment {

size_t KeptAnswer::bytes() const {
  size_t n = body.size();
  for (const auto& [name, value] : headers) n += name.size() + value.size() + 4;
  return n;
}

IdSeen PaymentIdentifiers::bind(const std::string& key, const std::string& payload_digest, std::chrono::milliseconds ttl,
                                std::optional<KeptAnswer>* answer, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  expire(now);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    const Clock::time_point until = now + ttl;
    entries_.emplace(key, Entry{payload_digest, until, std::nullopt});
    expiry_.emplace(until, key);
    return IdSeen::fresh;
  }
  if (it->second.digest != payload_digest) return IdSeen::conflict;
  if (answer) *answer = it->second.answer;
  return IdSeen::same;
}

bool PaymentIdentifiers::keep(const std::string& key, KeptAnswer answer, size_t max_bytes, Clock::time_point now) {
  const size_t size = answer.bytes();
  if (size > max_bytes || size > max_total_bytes_) return false;
  std::lock_guard lock(mutex_);
  expire(now);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.answer) return false;
  // Over the total: the answers that expire soonest make room (their ids stay bound).
  for (auto e = expiry_.begin(); kept_bytes_ + size > max_total_bytes_ && e != expiry_.end(); ++e) {
    auto victim = entries_.find(e->second);
    if (victim != entries_.end() && victim->second.answer && victim != it) {
      kept_bytes_ -= victim->second.answer->bytes();
      victim->second.answer.reset();
    }
  }
  if (kept_bytes_ + size > max_total_bytes_) return false;
  kept_bytes_ += size;
  it->second.answer = std::move(answer);
  return true;
}

void PaymentIdentifiers::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) drop(it);
}

void PaymentIdentifiers::drop(std::unordered_map<std::string, Entry>::iterator it) {
  if (it->second.answer) kept_bytes_ -= it->second.answer->bytes();
  entries_.erase(it);  // its expiry_ record finds nothing, or a newer entry, and is skipped
}

void PaymentIdentifiers::expire(Clock::time_point now) {
  for (auto e = expiry_.begin(); e != expiry_.end() && e->first <= now; e = expiry_.erase(e)) {
    auto it = entries_.find(e->second);
    if (it != entries_.end() && it->second.until == e->first) drop(it);
  }
}

size_t PaymentIdentifiers::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

size_t PaymentIdentifiers::kept_bytes() const {
  std::lock_guard lock(mutex_);
  return kept_bytes_;
}

}  // namespace x402gw::payment
