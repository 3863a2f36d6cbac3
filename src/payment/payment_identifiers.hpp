#pragma once
// The payment-identifier extension's memory, per process (thread-safe): which payload each id was
// first used with, and, for routes in replay_answer mode, the first answer, bounded in time (the
// route's ttl) and size (the route's max_bytes per answer, `max_total_bytes` in all). An id is
// scoped to its route. Not shared across replicas (a shared ReplayStore still stops a second
// settlement there: the id only adds the 409 and the kept answer).
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace x402gw::payment {

/// An answer kept for a payment identifier.
struct KeptAnswer {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // end-to-end headers of the answer
  std::string body;
  size_t bytes() const;
};

/// What an id lookup found.
enum class IdSeen {
  fresh,     // first use: now bound to this payload
  same,      // used before with this very payload
  conflict,  // used before with a different payload: 409
};

/// Payment identifiers of this process.
class PaymentIdentifiers {
 public:
  using Clock = std::chrono::steady_clock;

  explicit PaymentIdentifiers(size_t max_total_bytes = 64 * 1024 * 1024) : max_total_bytes_(max_total_bytes) {}

  /// Binds `key` (route and id) to `payload_digest` for `ttl`, or says how it is bound; `answer`
  /// receives the kept answer when there is one.
  IdSeen bind(const std::string& key, const std::string& payload_digest, std::chrono::milliseconds ttl,
              std::optional<KeptAnswer>* answer = nullptr, Clock::time_point now = Clock::now());
  /// Keeps the first answer for `key`; false when it is larger than `max_bytes` or the id is gone.
  bool keep(const std::string& key, KeptAnswer answer, size_t max_bytes, Clock::time_point now = Clock::now());
  /// Forgets `key`: its payment was not settled, so the client may sign again under the same id.
  void forget(const std::string& key);

  size_t size() const;
  size_t kept_bytes() const;

 private:
  struct Entry {
    std::string digest;
    Clock::time_point until;
    std::optional<KeptAnswer> answer;
  };
  void drop(std::unordered_map<std::string, Entry>::iterator it);
  void expire(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::multimap<Clock::time_point, std::string> expiry_;
  size_t kept_bytes_ = 0;
  size_t max_total_bytes_;
};

}  // namespace x402gw::payment
