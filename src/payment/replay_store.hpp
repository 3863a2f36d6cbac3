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

/// How a claim ends, and what is kept of it.
struct Ending {
  Finish how = Finish::released;
  std::string receipt;           // settled: the settlement (x402 SettleResult JSON), for re-presentations
  std::chrono::seconds keep{0};  // settled/unknown: remember at least this long (0: the store's default)
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
};

}  // namespace x402gw::payment
