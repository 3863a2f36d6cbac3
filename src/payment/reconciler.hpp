#pragma once
// Learns what became of settlements whose outcome was unknown. One per process: new unknown
// outcomes are journaled (settlement_journal.hpp) and queued here; one coroutine on one worker asks
// their facilitator again with the very same /settle body, with back-off, and applies the verdict
// (reconciliation.hpp) to the ReplayStore and the journal. After a restart the journal's open
// entries are put back in the store as unknown (so a re-presentation is answered payment_pending,
// never settled twice) and asked about again.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "facilitator/facilitator.hpp"
#include "net/asio.hpp"
#include "payment/replay_store.hpp"
#include "payment/settlement_journal.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}

namespace x402gw::payment {

/// How long a settled or unknown marker is kept at most, whatever a payment's expiry says.
inline constexpr std::chrono::seconds kMaxKeep = std::chrono::hours(24 * 7);

/// Keep for a marker of a payment expiring at `expires_at`: its validity plus `margin`, bounded.
std::chrono::seconds keep_for(int64_t expires_at, int64_t now, std::chrono::seconds margin);

/// Unix seconds now.
int64_t unix_now();

/// The background reconciliation of unknown settlement outcomes.
class Reconciler {
 public:
  /// A facilitator by its configured name; null when the configuration no longer names it.
  using FacilitatorFor = std::function<std::shared_ptr<facilitator::Facilitator>(const std::string& name)>;

  Reconciler(SettlementJournal* journal, ReplayStore& store, metrics::GatewayMetrics* metrics)
      : journal_(journal), store_(store), metrics_(metrics) {}

  /// Journals a new unknown outcome (durably, before returning) and queues it. Thread-safe.
  /// False when the journal could not record it: the claim is still kept unknown in the store.
  bool submit(UnknownSettlement unknown);

  /// After a restart: the journal's open entries become unknown claims again, and are queued.
  awaitable<void> restore(std::vector<UnknownSettlement> open);

  /// Asks again until stop(); runs on the executor it is spawned on.
  awaitable<void> run(FacilitatorFor facilitator_for);

  /// Ends run() at its next wake-up. Thread-safe.
  void stop();

  /// Unknown outcomes not resolved yet.
  size_t pending() const;
  /// A sentence for /readyz when the backlog is growing (outcomes older than `age`), else nullopt.
  std::optional<std::string> backlog_warning(int64_t now, std::chrono::seconds age = std::chrono::minutes(5)) const;

 private:
  struct Item {
    UnknownSettlement unknown;
    int attempts = 0;
    std::chrono::steady_clock::time_point due;
  };
  /// What one answer means for an item.
  struct Plan {
    bool finished = false;                 // resolved or given up
    Resolution resolution = Resolution::abandoned;
    std::optional<Ending> ending;          // what the store is told (settled or released)
    std::string receipt;                   // settled: the marker kept
    std::string said;                      // the answer, for the log
  };
  /// Asks once about `item`; returns true when it is finished with (resolved or given up).
  awaitable<bool> ask(Item& item, const FacilitatorFor& facilitator_for);
  Plan plan(Item& item, const facilitator::SettleOutcome* answer, bool configured);
  void record(const Item& item, const Plan& p, bool store_resolved);
  void queue(UnknownSettlement unknown, std::chrono::steady_clock::duration delay);
  void wake();

  SettlementJournal* journal_;  // null: not durable (tests)
  ReplayStore& store_;
  metrics::GatewayMetrics* metrics_;

  mutable std::mutex mutex_;
  std::vector<Item> items_;        // waiting for their turn
  std::vector<int64_t> asking_;    // recorded_at of the items being asked about now
  bool stopped_ = false;
  std::optional<asio::any_io_executor> executor_;  // run()'s, once it started
  asio::steady_timer* timer_ = nullptr;            // run()'s, touched only on its executor
};

}  // namespace x402gw::payment
