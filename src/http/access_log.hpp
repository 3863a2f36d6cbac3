#pragma once
// One JSON line per exchange. Never the payment header, never a secret.
#include <cstdio>
#include <mutex>
#include <string>

#include "http/exchange.hpp"

namespace x402gw::http {

/// Writes access log lines to a FILE (stdout by default); thread-safe.
class AccessLog {
 public:
  explicit AccessLog(std::FILE* out) : out_(out) {}
  void write(const Exchange& ex);

 private:
  std::FILE* out_;
  std::mutex mutex_;
};

}  // namespace x402gw::http
