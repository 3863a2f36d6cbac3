#pragma once
// Payment state shared by every replica, in Redis: one connection per worker thread, the replay
// store and the challenge limiter on top of them. The app creates one per process when
// `state: { store: redis }` and attaches every worker's io_context before the workers run.
#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/state.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/asio.hpp"
#include "payment/challenge_limiter.hpp"
#include "payment/replay_store.hpp"
#include "state/redis_connection.hpp"

namespace x402gw::state {

/// What one worker thread holds: its connection. Claims are held by their requests, by token; each
/// request renews its own (payment/claim_keeper.hpp).
struct RedisSlot {
  RedisSlot(asio::io_context& ioc, const config::State& settings, metrics::GatewayMetrics* metrics)
      : connection(ioc, settings, metrics) {}
  RedisConnection connection;
};

/// The replay store in Redis (see redis_keys.hpp for what is stored).
class RedisReplayStore final : public payment::ReplayStore {
 public:
  explicit RedisReplayStore(const config::State& settings) : settings_(settings) {}
  awaitable<payment::ClaimResult> claim(const std::string& identity, std::chrono::milliseconds lease) override;
  awaitable<payment::Renewal> renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) override;
  awaitable<bool> finish(const std::string& identity, payment::Ending ending) override;
  awaitable<bool> resolve(const std::string& identity, payment::Ending ending) override;
  void abandon(const std::string& identity, const std::string& token = {}) override;
  awaitable<bool> revoke(const std::string& identity, const std::string& receipt) override;

 private:
  const config::State& settings_;
};

/// The challenge limit in Redis: one GCRA schedule per client address for all replicas.
class RedisChallengeLimiter final : public payment::ChallengeLimiter {
 public:
  RedisChallengeLimiter(const config::State& settings, double rate, double burst) : settings_(settings) { configure(rate, burst); }
  awaitable<payment::Allowance> take(const std::string& client) override;
  void configure(double rate, double burst) override;

 private:
  const config::State& settings_;
  std::atomic<long long> interval_us_{0};
  std::atomic<long long> tolerance_us_{0};
};

/// The per-process Redis state: slots, store and limiter.
class RedisState {
 public:
  RedisState(const config::State& settings, metrics::GatewayMetrics* metrics, double challenge_rate, double challenge_burst);
  ~RedisState();

  /// Gives `ioc`'s thread its own connection and starts it; call for every worker before it runs.
  void attach(asio::io_context& ioc);
  payment::ReplayStore& replay_store() { return store_; }
  payment::ChallengeLimiter& challenge_limiter() { return limiter_; }
  /// Why some worker cannot reach Redis now, or "" when all can. Thread-safe.
  std::string problem() const;

  /// The calling thread's slot (null on a thread that was not attached).
  static RedisSlot* here();

 private:
  const config::State settings_;
  metrics::GatewayMetrics* metrics_;
  RedisReplayStore store_;
  RedisChallengeLimiter limiter_;
  std::vector<std::unique_ptr<RedisSlot>> slots_;
};

}  // namespace x402gw::state
