#pragma once
// The answers that nginx's auth_request cannot pass on. nginx lets only 2xx, 401 and 403 of an
// auth subrequest through; anything else becomes its own 500. So /auth/nginx answers every
// refusal as 401 with a one-time token, keeps the real answer (the 402 challenge, a 429, a 503)
// under that token for a short while, and /auth/nginx/reply serves it to the recipe's
// `error_page 401 = @x402` location. Shared by every worker thread of the process.
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/reply.hpp"

namespace x402gw::http {

/// Real answers kept under one-time tokens; bounded in count and age.
class NginxReplies {
 public:
  using Clock = std::chrono::steady_clock;
  explicit NginxReplies(size_t max_entries = 4096, std::chrono::milliseconds ttl = std::chrono::seconds(30))
      : max_entries_(max_entries), ttl_(ttl) {}

  /// Keeps `reply`; returns its token (32 hex digits of fresh randomness). The oldest reply goes
  /// when the store is full.
  std::string put(core::Reply reply, Clock::time_point now = Clock::now());
  /// The reply kept under `token`, once: taken out. Nullopt when unknown or older than the ttl.
  std::optional<core::Reply> take(const std::string& token, Clock::time_point now = Clock::now());
  size_t size() const;
  /// Tokens tracked for expiry, taken ones included (at most twice the count bound).
  size_t tracked() const;

 private:
  struct Entry {
    core::Reply reply;
    Clock::time_point at;
  };
  void expire(Clock::time_point now);

  const size_t max_entries_;
  const std::chrono::milliseconds ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::string> order_;  // tokens, oldest first (some may be taken already); at most 2 * max_entries_ + 1
};

}  // namespace x402gw::http
