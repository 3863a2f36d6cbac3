#pragma once
// Keeps one request's payment claim alive while the request runs: renews its lease every third of
// a lease, checks every renewal's answer, and tells the request whether the claim is still its own.
// A claim is "held" while the last renewal that succeeded is less than a lease old and the store
// never said it was lost. The request asks before it settles (flow.cpp): a request that lost its
// claim does not settle (another presentation may be in flight), so one payment reaches the
// facilitator and an answer at most once however the store fails.
#include <chrono>
#include <memory>
#include <string>

#include "net/asio.hpp"
#include "payment/replay_store.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}

namespace x402gw::payment {

/// The renewal of one claim, for as long as its request holds it.
class ClaimKeeper {
 public:
  ClaimKeeper(ReplayStore& store, metrics::GatewayMetrics* metrics) : store_(store), metrics_(metrics) {}
  ~ClaimKeeper() { stop(); }
  ClaimKeeper(const ClaimKeeper&) = delete;
  ClaimKeeper& operator=(const ClaimKeeper&) = delete;

  /// Starts renewing `token`'s claim on `identity` (granted for `lease`) on `executor`.
  void start(const IoExecutor& executor, const std::string& identity, const std::string& token,
             std::chrono::milliseconds lease);
  /// Stops renewing: the claim ended, or needs no lease any more.
  void stop();
  /// Whether the claim is still this request's (see above). True when not started.
  bool held() const;

 private:
  struct Shared;
  static awaitable<void> renew_loop(std::shared_ptr<Shared> shared);

  ReplayStore& store_;
  metrics::GatewayMetrics* metrics_;
  std::shared_ptr<Shared> shared_;  // shared with the renewal loop, which may outlive this keeper by one renewal
};

/// Records `ending` of a claim, retrying while the store cannot answer (a few times, about a
/// second in all). True once recorded.
awaitable<bool> record_ending(ReplayStore& store, metrics::GatewayMetrics* metrics, const std::string& identity, const Ending& ending);

/// For an ending that must not be lost (settled, delivered, unknown) and that record_ending() could
/// not write: keeps trying in the background on `executor` (backing off to once every 5 s, for up to
/// `give_up_after`) while renewing the claim's lease, so that the payment stays claimed and is not
/// presented again as new meanwhile. Counted and logged.
void record_in_background(const IoExecutor& executor, ReplayStore& store, metrics::GatewayMetrics* metrics,
                          std::string identity, Ending ending, std::chrono::milliseconds lease,
                          std::chrono::seconds give_up_after = std::chrono::hours(1));

}  // namespace x402gw::payment
