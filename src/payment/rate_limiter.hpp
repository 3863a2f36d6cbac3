#pragma once
// Token buckets per client address, for the 402 challenges a client may draw. A challenge is
// cheap for one client; a flood of them from one address is not. Thread-safe; bounded memory.
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace x402gw::payment {

/// Per-key token buckets.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// `rate` tokens per second, up to `burst`; rate 0 means unlimited.
  RateLimiter(double rate, double burst, size_t max_keys = 100'000) : rate_(rate), burst_(burst), max_keys_(max_keys) {}

  /// Takes one token for `key`; false when the bucket is empty.
  bool allow(const std::string& key, Clock::time_point now = Clock::now());

  /// Buckets held now (bounded by max_keys).
  size_t size() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
  }

  /// Changes the rate (on reload); existing buckets keep their tokens.
  void configure(double rate, double burst);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void evict_idle(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  double rate_, burst_;
  size_t max_keys_;
};

}  // namespace x402gw::payment
