#pragma once
// The seam for the challenge rate limit: how many 402 challenges one client address may draw.
// Asynchronous so that a limit shared by replicas (a Redis script) fits the same contract as the
// in-process token buckets (rate_limiter.hpp), which answer at once.
#include <string>

#include "net/asio.hpp"
#include "payment/rate_limiter.hpp"

namespace x402gw::payment {

/// A limiter's answer.
enum class Allowance {
  allowed,      // one challenge taken
  limited,      // over the limit: 429
  unavailable,  // the store cannot answer: fail closed (503)
};

/// Limits the challenges one client address may draw.
class ChallengeLimiter {
 public:
  virtual ~ChallengeLimiter() = default;
  /// Takes one challenge for `client` (its address).
  virtual awaitable<Allowance> take(const std::string& client) = 0;
  /// Changes the rate (on reload): `rate` per second up to `burst`; rate 0 means unlimited.
  virtual void configure(double rate, double burst) = 0;
};

/// The in-process limiter: this process's token buckets.
class MemoryChallengeLimiter final : public ChallengeLimiter {
 public:
  MemoryChallengeLimiter(double rate, double burst) : buckets_(rate, burst) {}
  awaitable<Allowance> take(const std::string& client) override {
    co_return buckets_.allow(client) ? Allowance::allowed : Allowance::limited;
  }
  void configure(double rate, double burst) override { buckets_.configure(rate, burst); }

 private:
  RateLimiter buckets_;
};

}  // namespace x402gw::payment
