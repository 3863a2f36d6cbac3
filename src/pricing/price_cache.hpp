#pragma once
// The pricer's answers, kept for a TTL under the key the operator chose. Bounded: at most
// `capacity` entries, the oldest going first. Shared by every worker thread of the process (a
// small lock guards it: a lookup is a map access, nothing waits on the network under it). The
// caller passes the time, so expiry is tested with an injected clock.
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "pricing/pricer_messages.hpp"

namespace x402gw::pricing {

/// A bounded TTL cache of pricer answers.
class PriceCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit PriceCache(size_t capacity = 10'000) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// The live answer for `key` at `now`, or nullopt (an expired one is dropped).
  std::optional<PricerAnswer> get(const std::string& key, Clock::time_point now);
  /// Keeps `answer` for `key` until `expires`; the oldest entry goes when the cache is full.
  void put(const std::string& key, PricerAnswer answer, Clock::time_point expires);
  /// New bound (a reload); extra entries go, oldest first.
  void set_capacity(size_t capacity);
  size_t size() const;

 private:
  struct Entry {
    PricerAnswer answer;
    Clock::time_point expires;
    std::list<std::string>::iterator order;
  };
  void trim();

  mutable std::mutex mutex_;
  size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // keys, oldest first
};

}  // namespace x402gw::pricing
