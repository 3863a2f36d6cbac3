#pragma once
// The in-process ReplayStore: one per process, shared by the worker threads (thread-safe).
// Settled payments (landed or delivered) are remembered for the longer of `remember` and the
// ending's `keep` (a brief refusal: its `keep` alone). The store holds at most `max_payments`
// entries (claims in flight, settled payments, unknown outcomes): that is its memory bound. A full
// store first drops brief refusals (pay-then-prove answers kept only to spare the chain), then
// delivered payments whose own validity (the ending's `keep`: the authorization's validBefore plus
// a margin) has passed, which are kept only for the `remember` floor (the facilitator refuses an
// expired authorization anyway), and then refuses new payments (Claim::full: a 503 with
// Retry-After, nothing claimed, nothing charged) until remembered ones expire. It never drops a
// payment that could still be presented to make room: a payment that was used must stay refused
// (R3) or owed (R2) for as long as it could settle. Entries the
// store must record whatever its count (a settlement whose claim lapsed, an unknown outcome) are
// written even past the bound. Keys are the SHA-256 of the payment's identity (32 bytes), not the
// identity's text. Claims carry tokens and leases that their holders renew. Across replicas this
// store is not shared: see the README's security model.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "payment/replay_store.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}

namespace x402gw::payment {

/// Payment claims in this process's memory.
class MemoryReplayStore final : public ReplayStore {
 public:
  using Clock = std::chrono::steady_clock;

  /// The default bound: about 35 MiB of remembered payments (about 700 B each, measured) (see README, `state.max_payments`).
  static constexpr size_t kDefaultMaxPayments = 50'000;

  explicit MemoryReplayStore(size_t max_payments = kDefaultMaxPayments, std::chrono::seconds remember = std::chrono::hours(24))
      : max_payments_(max_payments), remember_(remember) {}
  /// Sets the bound (before the store is used: the gateway sets it from the configuration at start).
  void set_max_payments(size_t max_payments) {
    std::lock_guard lock(mutex_);
    max_payments_ = max_payments;
  }

  awaitable<ClaimResult> claim(const std::string& identity, std::chrono::milliseconds lease) override;
  awaitable<Renewal> renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) override;
  awaitable<bool> finish(const std::string& identity, Ending ending) override;
  awaitable<bool> resolve(const std::string& identity, Ending ending) override;
  void abandon(const std::string& identity, const std::string& token = {}) override {
    Ending ending;
    ending.token = token;
    finish_now(identity, ending);
  }
  awaitable<bool> revoke(const std::string& identity, const std::string& receipt) override;
  bool pinned_full() override { return pinned_full(Clock::now()); }

  /// The synchronous cores of claim(), renew(), finish(), resolve() and revoke(), for tests and for the flow's safety net.
  ClaimResult claim_now(const std::string& identity, std::chrono::milliseconds lease, Clock::time_point now = Clock::now());
  Renewal renew_now(const std::string& identity, const std::string& token, std::chrono::milliseconds lease,
                    Clock::time_point now = Clock::now());
  bool finish_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());
  bool resolve_now(const std::string& identity, const Ending& ending, Clock::time_point now = Clock::now());
  bool revoke_now(const std::string& identity, const std::string& receipt, Clock::time_point now = Clock::now());
  bool pinned_full(Clock::time_point now);

  /// Claims held now (not expired): payments in flight and landed ones being delivered.
  size_t in_flight(Clock::time_point now = Clock::now()) const;
  /// Entries dropped before their time to make room (brief refusals only), since start.
  size_t evictions() const;
  /// Entries held now (claims, settled payments, unknown outcomes; expired ones not yet swept
  /// included), and the bound on them.
  size_t size() const;
  size_t max_payments() const;
  /// New payments refused because the store was full, since start.
  size_t refused_full() const;
  /// Where evictions are counted (x402gw_replay_store_evictions_total); null: nowhere.
  void count_in(metrics::GatewayMetrics* metrics) { metrics_ = metrics; }

 private:
  enum class State { in_flight, landed, delivered, unknown };
  // The queues of ended entries, soonest expiry first: one per kind, so that an over-full store
  // finds its refusals, then its standard delivered entries, without walking past the entries it
  // must keep (pinned proofs, landed payments whose answer is owed, unknown outcomes).
  enum Queue { kBrief = 0, kStandard, kPinned, kLanded, kUnknown, kQueues };
  // The key: SHA-256 of the identity. 32 bytes in the node instead of an identity's text (about
  // 100 bytes, on the heap) held twice (the table and its expiry record).
  using Key = std::array<unsigned char, 32>;
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      size_t h;
      std::memcpy(&h, k.data(), sizeof h);  // already uniformly distributed
      return h;
    }
  };
  static Key key_of(const std::string& identity);
  struct Entry {
    State state = State::in_flight;
    Queue queue = kStandard;       // landed/delivered/unknown: the queue it waits in
    std::string token;             // in_flight, landed: the holder's claim (empty, no heap, for a landed one nobody holds)
    Clock::time_point lease_until; // in_flight, landed and held: the holder's lease ends
    std::chrono::milliseconds lease{0};  // the holder's lease length
    Clock::time_point until;       // landed/delivered/unknown: when it is forgotten
    Clock::time_point valid_until; // delivered standard: when the payment itself can no longer settle (evictable after)
    std::string receipt;           // landed, delivered
  };
  using Table = std::unordered_map<Key, Entry, KeyHash>;
  using Iterator = Table::iterator;
  static bool held(const Entry& e, Clock::time_point now) { return !e.token.empty() && now < e.lease_until; }
  static bool settled_state(State s) { return s == State::landed || s == State::delivered; }
  // Records a settled or unknown ending; called with the lock held.
  void record(Iterator it, const Ending& ending, Clock::time_point now);
  // Takes an ended entry out of the counts (before it is erased or recorded again); lock held.
  void uncount(const Entry& e);
  // Erases an ended entry and its counts; called with the lock held.
  void drop(Iterator it);
  // Drops the soonest-expiring entry of `queue` (skipping stale records); false when it has none.
  bool evict_one(Queue queue, Clock::time_point now);
  void forget_old(Clock::time_point now);
  // When the soonest ended entry is forgotten, from `now` (at least 1 s; 60 s when none is ended).
  std::chrono::seconds until_room(Clock::time_point now) const;

  mutable std::mutex mutex_;
  Table entries_;
  // Ended entries by queue, by `until`; the standard queue by `valid_until` (its eviction order; its
  // sweep stops at the first entry not yet due, which delays, never skips, a later one: the bound holds).
  std::array<std::multimap<Clock::time_point, Key>, kQueues> expiry_;
  static Clock::time_point queued_at(const Entry& e) { return e.queue == kStandard ? e.valid_until : e.until; }
  size_t settled_ = 0;  // landed and delivered entries held (brief, standard, pinned, landed)
  size_t pinned_ = 0;   // of which pinned
  size_t evictions_ = 0;
  size_t refused_full_ = 0;
  Clock::time_point last_lapsed_sweep_{};
  size_t max_payments_;
  std::chrono::seconds remember_;
  metrics::GatewayMetrics* metrics_ = nullptr;
};

/// A fresh claim token: 128 random bits, hex.
std::string new_claim_token();

}  // namespace x402gw::payment
