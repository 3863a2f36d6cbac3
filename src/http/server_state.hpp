#pragma once
// What every session shares with the server: the live configuration, the shutdown state, the
// counters, and the services of the paid flow.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/connection_gate.hpp"

namespace x402gw::metrics {
class AccessLog;
class GatewayMetrics;
}  // namespace x402gw::metrics
namespace x402gw::facilitator {
class Breakers;
}
namespace x402gw::pricer {
class Pricers;
}
namespace x402gw::net {
class AcmeChallenges;
}  // namespace x402gw::net
namespace x402gw::payment {
class ReplayStore;
class ChallengeLimiter;
class Reconciler;
class SettleIntents;
class PaymentIdentifiers;
}  // namespace x402gw::payment

namespace x402gw::http {

/// Whether every facilitator answered /supported with what the routes need.
struct Readiness {
  bool checked = false;                  // at least one round of checks finished
  std::vector<std::string> problems;     // empty: ready
  std::vector<std::string> warnings;     // reported beside a ready state (a fallback facilitator down)
};

/// Shared, thread-safe server state.
struct ServerState {
  std::atomic<std::shared_ptr<const config::Config>> config;   // what requests use
  std::atomic<std::shared_ptr<const config::Config>> loaded_config;  // as read from the file, before /supported completed it
  std::atomic<bool> draining{false};
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> open_connections{0};
  /// Admits client connections at accept under the connection limits; counts open_connections.
  ConnectionGate connection_gate{open_connections};
  /// The admin listener's own count and gate (http/listener's admit_admin_connection): apart from
  /// the clients' limits, so that a flood of clients does not fail the orchestrator's probes.
  std::atomic<int64_t> admin_connections{0};
  /// Client connections the process's descriptor limit allows (connection_budget()); the
  /// effective limits.max_connections is the lower of the two. Set once before the listeners open.
  uint64_t connection_budget = UINT64_MAX;
  ConnectionGate admin_gate{admin_connections};
  metrics::AccessLog* access_log = nullptr;
  metrics::GatewayMetrics* metrics = nullptr;
  payment::ReplayStore* replay_store = nullptr;
  payment::ChallengeLimiter* challenge_limiter = nullptr;
  facilitator::Breakers* breakers = nullptr;
  pricer::Pricers* pricers = nullptr;                 // routes' pricers: breakers and answer caches
  payment::Reconciler* reconciler = nullptr;          // unknown settlement outcomes (journaled)
  payment::SettleIntents* intents = nullptr;          // write-ahead record of each /settle (null: no state.dir)
  payment::PaymentIdentifiers* identifiers = nullptr; // the payment-identifier extension's ids
  /// Why the payment state store cannot answer now (readiness), or "" when it can; unset: in-process store.
  std::function<std::string()> state_problem;
  /// Pending ACME HTTP-01 answers (null without ACME).
  net::AcmeChallenges* acme_challenges = nullptr;
  /// The port of the first TLS listener, where redirect_https listeners send clients.
  std::atomic<uint16_t> https_port{0};
  /// Re-reads the configuration; returns the error report, empty on success.
  std::function<std::string()> reload;

  config::ConfigPtr current() const { return config.load(std::memory_order_acquire); }
  config::ConfigPtr loaded() const { return loaded_config.load(std::memory_order_acquire); }

  void set_readiness(Readiness r) {
    std::lock_guard lock(readiness_mutex_);
    readiness_ = std::move(r);
  }
  Readiness readiness() const {
    std::lock_guard lock(readiness_mutex_);
    return readiness_;
  }

 private:
  mutable std::mutex readiness_mutex_;
  Readiness readiness_;
};

/// Holds one count of an atomic counter for a scope, whatever path leaves it.
class CountGuard {
 public:
  explicit CountGuard(std::atomic<int64_t>& counter) : counter_(counter), before_(counter.fetch_add(1, std::memory_order_relaxed)) {}
  CountGuard(const CountGuard&) = delete;
  CountGuard& operator=(const CountGuard&) = delete;
  ~CountGuard() { counter_.fetch_sub(1, std::memory_order_relaxed); }
  /// The count before this guard took its own.
  int64_t before() const { return before_; }

 private:
  std::atomic<int64_t>& counter_;
  int64_t before_;
};

}  // namespace x402gw::http
