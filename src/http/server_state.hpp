#pragma once
// What every session shares with the server: the live configuration and the shutdown state.
#include <atomic>
#include <cstdint>
#include <memory>

#include "config/config.hpp"

namespace x402gw::http {

class AccessLog;

/// Shared, thread-safe server state.
struct ServerState {
  std::atomic<std::shared_ptr<const config::Config>> config;
  std::atomic<bool> draining{false};
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> open_connections{0};
  AccessLog* access_log = nullptr;

  config::ConfigPtr current() const { return config.load(std::memory_order_acquire); }
};

}  // namespace x402gw::http
