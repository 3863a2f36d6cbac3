#pragma once
// One JSON line per exchange, from its plain record. Never the payment header, never a secret.
#include <cstdio>
#include <mutex>

#include "core/exchange_record.hpp"

namespace x402gw::metrics {

/// Writes access log lines to a FILE (stdout by default); thread-safe.
class AccessLog {
 public:
  explicit AccessLog(std::FILE* out) : out_(out) {}
  void write(const core::ExchangeRecord& r);

 private:
  std::FILE* out_;
  std::mutex mutex_;
};

}  // namespace x402gw::metrics
