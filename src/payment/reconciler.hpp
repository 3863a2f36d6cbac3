#pragma once
// Learns what became of settlements whose outcome was unknown. One per process: new unknown
// outcomes are journaled (settlement_journal.hpp) and queued here; one coroutine on one worker asks
// their facilitator again with the very same /settle body, with back-off, reads the chain where
// `chains:` names a node for an EVM network (reconciliation_evm.hpp), and applies the verdict
// (reconciliation.hpp) to the ReplayStore requests use (memory or Redis) and to the journal. After
// a restart the journal's open entries are put back in that store as unknown (so a re-presentation
// is answered payment_pending, never settled twice) and asked about again. Outcomes nothing more
// can be learned about stay unknown and are shown to the operator (metric, log, /readyz).
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chain/authorization_evidence.hpp"
#include "facilitator/facilitator.hpp"
#include "net/asio.hpp"
#include "payment/evm_rpc.hpp"
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
  /// The JSON-RPC client of the chain `chains:` names for a network (CAIP-2); null when none.
  using ChainFor = std::function<std::shared_ptr<EvmRpc>(const std::string& network)>;

  Reconciler(SettlementJournal* journal, ReplayStore& store, metrics::GatewayMetrics* metrics)
      : journal_(journal), store_(store), metrics_(metrics) {}

  /// Journals a new unknown outcome (durably, before returning) and queues it. Thread-safe.
  /// False when the journal could not record it: the claim is still kept unknown in the store.
  /// `claim_left_open`: the request could not mark it unknown in the store (it was destroyed
  /// mid-settle): the reconciler does, once the claim's lease ended.
  bool submit(UnknownSettlement unknown, bool claim_left_open = false);

  /// After a restart: the journal's open entries become unknown claims again, and are queued.
  awaitable<void> restore(std::vector<UnknownSettlement> open);

  /// Asks again until stop(); runs on the executor it is spawned on. `chain_for` (optional) gives
  /// the node an EVM payment's evidence is read from.
  awaitable<void> run(FacilitatorFor facilitator_for, ChainFor chain_for = {});

  /// Ends run() at its next wake-up. Thread-safe.
  void stop();

  /// Unknown outcomes not resolved yet.
  size_t pending() const;
  /// /settle calls in flight now (SettleInFlight): a drain lets them end, so that an unanswered
  /// one is journaled as unknown instead of destroyed.
  size_t settling() const { return settling_.load(); }
  /// Unknown outcomes given up on in this process (no evidence either way): kept unknown, never
  /// served; they need the operator.
  size_t given_up() const;
  /// One unknown outcome as the operator's dashboard lists it.
  struct BacklogItem {
    std::string route, facilitator, network;
    int64_t recorded_at = 0;  // unix seconds
    int attempts = 0;         // facilitator asked again so many times
    bool asking = false;      // being asked about now
  };
  /// The backlog now: its size, its oldest outcome's age, those given up, and the `max` oldest.
  struct Backlog {
    size_t pending = 0;
    int64_t oldest_age = 0;  // seconds; 0 when none is pending
    size_t given_up = 0;
    std::vector<BacklogItem> items;
  };
  Backlog backlog(int64_t now, size_t max) const;
  /// A sentence for /readyz when the backlog is growing (outcomes older than `age`) or outcomes
  /// were given up on, else nullopt.
  std::optional<std::string> backlog_warning(int64_t now, std::chrono::seconds age = std::chrono::minutes(5)) const;

 private:
  struct Item {
    UnknownSettlement unknown;
    int attempts = 0;
    std::chrono::steady_clock::time_point due;
    bool unmarked = false;  // restored while another holder's claim (a stopped process's lease) was in the store
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
  awaitable<bool> ask(Item& item, const FacilitatorFor& facilitator_for, const ChainFor& chain_for);
  /// Writes `ending` for an unknown entry: resolve(), or, for a restored item whose claim another
  /// holder had, a claim of its own once that lease ended. False: not written yet (try again).
  awaitable<bool> write_ending(Item& item, Ending ending, bool& resolved);
  Plan plan(Item& item, const facilitator::SettleOutcome* answer, bool configured, const std::optional<chain::ChainFinding>& chain,
            const std::string& chain_tx);
  void record(const Item& item, const Plan& p, bool store_resolved);
  void queue(UnknownSettlement unknown, std::chrono::steady_clock::duration delay, bool unmarked = false);
  void wake();

  SettlementJournal* journal_;  // null: not durable (tests)
  ReplayStore& store_;
  metrics::GatewayMetrics* metrics_;

  friend class SettleInFlight;
  std::atomic<size_t> settling_{0};
  mutable std::mutex mutex_;
  std::vector<Item> items_;        // waiting for their turn
  std::vector<int64_t> asking_;    // recorded_at of the items being asked about now
  size_t given_up_ = 0;            // abandoned in this process: still unknown in the store
  bool stopped_ = false;
  std::optional<IoExecutor> executor_;  // run()'s, once it started
  net::Timer* timer_ = nullptr;            // run()'s, touched only on its executor
};

/// Counts one /settle in flight for Reconciler::settling() while it lives.
class SettleInFlight {
 public:
  explicit SettleInFlight(Reconciler* reconciler) : reconciler_(reconciler) {
    if (reconciler_) reconciler_->settling_.fetch_add(1);
  }
  ~SettleInFlight() {
    if (reconciler_) reconciler_->settling_.fetch_sub(1);
  }
  SettleInFlight(const SettleInFlight&) = delete;
  SettleInFlight& operator=(const SettleInFlight&) = delete;

 private:
  Reconciler* reconciler_;
};

}  // namespace x402gw::payment
