#pragma once
// The seam for "one payment, one use". Before a payment goes to the facilitator it is claimed by
// its identity (x402::PaymentScheme::identity); a second presentation while the first is in flight,
// or after it settled, is refused without reaching the facilitator or the upstream. A claim whose
// payment was not settled is released, so the client may present the same payment again.
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
  already_settled,  // the same payment was settled before
  outcome_unknown,  // its settlement was sent and never confirmed: not accepted again
  unavailable,      // the store cannot answer: fail closed
};

/// How a claim ends.
enum class Finish {
  released,         // not settled: it may be presented again
  settled,          // settled: remembered, refused from now on
  unknown,          // the settlement went out without an answer: refused from now on
};

/// Where payment claims live.
class ReplayStore {
 public:
  virtual ~ReplayStore() = default;
  /// Claims `identity` atomically for at most `lease` (a claim never finished expires then).
  virtual awaitable<Claim> claim(const std::string& identity, std::chrono::milliseconds lease) = 0;
  /// Ends a claim.
  virtual awaitable<void> finish(const std::string& identity, Finish how) = 0;
  /// Releases a claim without waiting, on a path that cannot co_await (an exception unwinding);
  /// a store may leave it to the lease.
  virtual void abandon(const std::string& identity) = 0;
};

}  // namespace x402gw::payment
