#pragma once
// What every session shares with the server: the live configuration and the shutdown state.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/forward.hpp"


namespace x402gw::http {

/// Whether every facilitator answered /supported with what the routes need.
struct Readiness {
  bool checked = false;                  // at least one round of checks finished
  std::vector<std::string> problems;     // empty: ready
};

/// Shared, thread-safe server state.
struct ServerState {
  std::atomic<std::shared_ptr<const config::Config>> config;
  std::atomic<bool> draining{false};
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> open_connections{0};
  AccessLog* access_log = nullptr;
  metrics::GatewayMetrics* metrics = nullptr;
  payment::ReplayGuard* replay_guard = nullptr;
  RateLimiter* challenge_limiter = nullptr;
  /// Re-reads the configuration; returns the error report, empty on success.
  std::function<std::string()> reload;

  config::ConfigPtr current() const { return config.load(std::memory_order_acquire); }

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

}  // namespace x402gw::http
