#include "payment/rate_limiter.hpp"

#include <algorithm>

namespace x402gw::payment {

bool RateLimiter::allow(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (rate_ <= 0) return true;
  if (buckets_.size() >= max_keys_) evict_idle(now);
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!inserted) {
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.updated = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void RateLimiter::configure(double rate, double burst) {
  std::lock_guard lock(mutex_);
  rate_ = rate;
  burst_ = burst;
}

void RateLimiter::evict_idle(Clock::time_point now) {
  // A bucket idle long enough to be full again carries no information.
  const auto full_after = std::chrono::duration<double>(rate_ > 0 ? burst_ / rate_ : 0);
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = now - it->second.updated >= full_after ? buckets_.erase(it) : std::next(it);
  if (buckets_.size() >= max_keys_) buckets_.clear();  // under attack from many addresses: start over
}

}  // namespace x402gw::payment
