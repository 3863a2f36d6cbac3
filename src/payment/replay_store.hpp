#pragma once
// The seam for "one payment, one use". Before a payment goes to the facilitator it is claimed by
// its identity (x402::PaymentScheme::identity); a second presentation while the first is in flight
// is refused without reaching the facilitator or the upstream. A claim whose payment was not
// settled is released, so the client may present the same payment again. A settled claim is kept,
// with its receipt, for longer than the payment stays valid, so that a re-presentation can be
// recognised (and served without a second settlement); a claim whose settlement went out without
// an answer is kept as unknown until it is resolved (reconciled) one way or the other.
//
// Asynchronous, with leases and an explicit outcome (as Aperture's ConsumeCharge), so that a shared
// store (Redis) fits the same contract as the in-process one (memory_replay_store.hpp).
#include <chrono>
#include <string>

#include "net/asio.hpp"

namespace x402gw::payment {

/// What a claim found.
enum class Claim {
  applied,          // the payment is now in flight here
  in_flight,        // the same payment is being processed by another request
  already_settled,  // the same payment was settled before (ClaimResult::receipt holds its receipt)
  outcome_unknown,  // its settlement was sent and never confirmed (yet)
  unavailable,      // the store cannot answer: fail closed
};

/// A claim's answer.
struct ClaimResult {
  Claim status = Claim::unavailable;
  std::string receipt;  // already_settled: what Ending::receipt held when it settled (may be empty)
};

/// How a claim ends.
enum class Finish {
  released,         // not settled: it may be presented again
  settled,          // settled: remembered with its receipt
  unknown,          // the settlement went out without an answer: remembered until resolved
};

/// How long a kept (settled) entry lives, and whether a full store may drop it early.
enum class Retention {
  standard,  // at least `keep` and the store's `remember`; a full store drops the oldest first (the
             // facilitator's nonce check still refuses a second settlement of what it forgot)
  pinned,    // the same time, and never dropped early: nothing else would refuse a reuse (a
             // pay-then-prove hash); a store full of these says so (pinned_full) instead
  brief,     // exactly `keep` (minutes), not `remember`: a refusal kept only to spare the chain
             // (pay-then-prove); the first a full store drops
};

/// How a claim ends, and what is kept of it.
struct Ending {
  Finish how = Finish::released;
  std::string receipt;           // settled: the settlement (x402 SettleResult JSON), for re-presentations
  std::chrono::seconds keep{0};  // settled/unknown: remember at least this long (0: the store's default)
  Retention retention = Retention::standard;  // settled: see Retention
};

/// Where payment claims live.
class ReplayStore {
 public:
  virtual ~ReplayStore() = default;
  /// Claims `identity` atomically for at most `lease` (a claim never finished expires then).
  virtual awaitable<ClaimResult> claim(const std::string& identity, std::chrono::milliseconds lease) = 0;
  /// Ends a claim this request holds (in flight). False when the store could not record it.
  virtual awaitable<bool> finish(const std::string& identity, Ending ending) = 0;
  /// Resolves an entry whose outcome was unknown, once it is known (reconciliation): settled (with
  /// its receipt) or released. False when there is no such unknown entry or the store cannot answer.
  virtual awaitable<bool> resolve(const std::string& identity, Ending ending) = 0;
  /// Releases a claim without waiting, on a path that cannot co_await (an exception unwinding);
  /// a store may leave it to the lease.
  virtual void abandon(const std::string& identity) = 0;
  /// Removes a settled entry this request wrote, when what it paid for was not delivered after all
  /// (pay-then-prove marks a hash used before its answer streams, and frees it when the forward
  /// fails before any byte). Acts only while the entry is settled with exactly `receipt`, which
  /// names the request, so it never removes another's. False when nothing was removed.
  virtual awaitable<bool> revoke(const std::string& identity, const std::string& receipt) = 0;
  /// Whether the store holds as many pinned entries as it may (the memory store's capacity):
  /// a new one is then refused rather than another dropped. A shared store has no such bound.
  virtual bool pinned_full() { return false; }
};

}  // namespace x402gw::payment
