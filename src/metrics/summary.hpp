#pragma once
// The operator's summary behind the admin dashboard (GET /admin/summary): revenue over the last
// hour and day, payments by outcome, the recent payments and the facilitators' health, kept in
// fixed-size ring buffers so that its memory never grows with traffic or uptime.
//
// Fed by GatewayMetrics, from the very calls that bump the Prometheus counters (one bookkeeping,
// not two). Like the registry, every recording thread writes its own shard under its own mutex
// (uncontended: only a /admin/summary read takes it from another thread); a read merges the
// shards. Times are passed in (unix milliseconds), so the rings are tested without a clock.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/exchange_record.hpp"

namespace x402gw::metrics {

/// `N` buckets of `width_seconds` each, the newest covering `now`: a sum per bucket. A bucket is
/// reused (reset) when its slot comes round again, so old values age out without a sweep.
template <size_t N, int64_t width_seconds>
class TimeRing {
 public:
  /// Adds `value` to the bucket that holds unix second `now`.
  void add(int64_t now, double value) {
    const int64_t slot = now / width_seconds;
    const size_t i = static_cast<size_t>(slot % static_cast<int64_t>(N));
    if (slots_[i] != slot) {
      slots_[i] = slot;
      values_[i] = 0;
    }
    values_[i] += value;
  }
  /// Adds this ring's buckets still inside the window ending at `now` to `out` (oldest first).
  void add_to(std::array<double, N>& out, int64_t now) const {
    const int64_t newest = now / width_seconds;
    for (size_t k = 0; k < N; ++k) {
      const int64_t slot = newest - static_cast<int64_t>(N - 1 - k);
      if (slot < 0) continue;
      const size_t i = static_cast<size_t>(slot % static_cast<int64_t>(N));
      if (slots_[i] == slot) out[k] += values_[i];
    }
  }
  /// The buckets of the window ending at `now`, oldest first; empty buckets are 0.
  std::array<double, N> series(int64_t now) const {
    std::array<double, N> out{};
    add_to(out, now);
    return out;
  }

 private:
  std::array<double, N> values_{};
  std::array<int64_t, N> slots_ = filled(-1);
  static std::array<int64_t, N> filled(int64_t v) {
    std::array<int64_t, N> a;
    a.fill(v);
    return a;
  }
};

/// A quantity over the last hour (per minute) and the last day (per hour), and since start.
struct Windowed {
  TimeRing<60, 60> minutes;
  TimeRing<24, 3600> hours;
  double total = 0;
  uint64_t count = 0;
  void add(int64_t now, double value) {
    minutes.add(now, value);
    hours.add(now, value);
    total += value;
    ++count;
  }
};

/// One payment as the dashboard lists it.
struct RecentPayment {
  int64_t at_ms = 0;
  std::string outcome;   // settled, refused, unknown, settle_failed, served_again, verify_error
  std::string reason;    // for a refusal, its code
  std::string route, network, asset, amount, payer, transaction;
};

/// The bounded operator's summary. Thread-safe.
class Summary {
 public:
  /// Distinct routes, network+asset pairs, refusal reasons and facilitators kept apart; more are
  /// counted under "other" (routes and facilitators come from the configuration, so this is a
  /// guard against reloads that rename them, not a limit a normal configuration meets).
  static constexpr size_t kMaxKeys = 64;
  /// Payments listed in the recent list (per recording thread; the merged list keeps this many).
  static constexpr size_t kRecent = 50;
  /// Characters kept of any one string field of a recent payment.
  static constexpr size_t kMaxField = 128;

  Summary();
  ~Summary();
  Summary(const Summary&) = delete;
  Summary& operator=(const Summary&) = delete;

  /// The process started (its configuration loaded: generation 1) at `now_ms`.
  void start(int64_t now_ms);
  /// One finished exchange (only priced ones with a payment step count).
  void record(const core::ExchangeRecord& r, int64_t now_ms);
  /// One facilitator call and its latency; `outcome` other than "ok" is remembered as its last error.
  void facilitator_call(std::string_view facilitator, std::string_view endpoint, std::string_view outcome, double seconds,
                        int64_t now_ms);
  /// An unknown settlement resolved by reconciliation ("settled", "released", "abandoned").
  void reconciled(std::string_view result, int64_t now_ms);
  /// A configuration load: `ok` moves the generation on.
  void reload(bool ok, int64_t now_ms);
  /// The earliest expiry (unix seconds) of the certificates a TLS listener serves now.
  void certificate_expiry(std::string_view listener, int64_t not_after);

  /// What the summary reader adds that lives elsewhere (breakers, reconciler, configuration).
  struct Live {
    std::string config_hash;
    /// Each configured facilitator's breaker: "closed", "open", "half_open".
    std::vector<std::pair<std::string, std::string>> breakers;
    nlohmann::json reconciliation = nlohmann::json::object();
    int64_t in_flight = 0;
    int64_t open_connections = 0;
    /// Each configured (network, asset label) and its decimals, so that the page shows amounts in
    /// the asset's units beside the atomic ones.
    struct AssetUnits {
      std::string network, asset;
      int decimals = 0;
    };
    std::vector<AssetUnits> units;
  };
  /// The summary as the dashboard reads it, at `now_ms`.
  nlohmann::json to_json(int64_t now_ms, const Live& live) const;

 private:
  struct Shard;
  Shard& local();

  const uint64_t id_;
  mutable std::mutex shards_mutex_;
  std::vector<std::unique_ptr<Shard>> shards_;

  // Rare events (reloads, reconciliation, certificates): one lock, never on the request path.
  mutable std::mutex rare_mutex_;
  int64_t started_ms_ = 0;
  uint64_t generation_ = 0;
  int64_t last_reload_ms_ = 0;
  bool last_reload_ok_ = true;
  uint64_t reloads_failed_ = 0;
  std::map<std::string, uint64_t, std::less<>> reconciled_;
  std::map<std::string, int64_t, std::less<>> certificates_;
};

}  // namespace x402gw::metrics
