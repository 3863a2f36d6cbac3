#pragma once
// The seam for "one payment, one use" (the README's rules R1-R6). Before a payment goes to the
// facilitator it is claimed by its identity (x402::PaymentScheme::identity); a second presentation
// while the first is in flight is refused without reaching the facilitator or the upstream. A claim
// whose payment was not settled is released, so the client may present the same payment again.
//
// A settled payment is remembered in one of two states, for longer than it stays valid:
//   - landed: settled, its answer not delivered (the settlement's outcome was unknown and has been
//     reconciled since; the client left after the settlement, before the answer's head; the forward
//     failed before any byte of the answer). The next presentation claims it like a new payment and
//     is served without a second settlement (R2);
//   - delivered: its answer's response head went out to the client. Re-presentations buy nothing
//     more (R3).
// A claim whose settlement went out without an answer is kept as unknown until it is resolved
// (reconciled) one way or the other.
//
// Every claim carries a token: only the request that drew it can renew, end or give back that claim,
// so a request whose lease lapsed cannot end the claim of the request that holds the payment now.
// Asynchronous, with leases and an explicit outcome (as Aperture's ConsumeCharge), so that a shared
// store (Redis) fits the same contract as the in-process one (memory_replay_store.hpp).
#include <chrono>
#include <string>

#include "net/asio.hpp"

namespace x402gw::payment {

/// What a claim found.
enum class Claim {
  applied,          // the payment is now in flight here (ClaimResult::token holds the claim)
  landed,           // settled before, its answer never delivered: now claimed here to deliver it
                    // (ClaimResult::token holds the claim, ClaimResult::receipt its receipt)
  in_flight,        // the same payment is being processed by another request
  delivered,        // the same payment was settled and its answer delivered (receipt: its receipt)
  outcome_unknown,  // its settlement was sent and never confirmed (yet)
  full,             // a new payment the store has no room for (the memory store's bound): refused,
                    // nothing claimed; room comes back as remembered payments expire (ClaimResult::retry_after)
  unavailable,      // the store cannot answer: fail closed
};

/// A claim's answer.
struct ClaimResult {
  Claim status = Claim::unavailable;
  std::string receipt{};  // landed, delivered: what Ending::receipt held when it settled (may be empty)
  std::string token{};    // applied, landed: the claim, for renew(), finish() and abandon()
  std::chrono::milliseconds lease{0};  // applied, landed: how long the claim lasts unless renewed
  std::chrono::seconds retry_after{0};  // full: when the first remembered payment is forgotten (at least 1 s)
};

/// How a claim ends.
enum class Finish {
  released,   // not settled: it may be presented again
  settled,    // settled, its answer not delivered (landed). finish() with Ending::hold: the request
              // keeps the claim to deliver the answer; without: the next presentation gets it.
              // resolve(): reconciled as landed, the next presentation gets it.
  delivered,  // settled and its answer's head went out: remembered with its receipt, used up
  unknown,    // the settlement went out without an answer: remembered until resolved
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
  std::string receipt;           // settled/delivered: the settlement marker, for re-presentations
  std::chrono::seconds keep{0};  // settled/delivered/unknown: remember at least this long (0: the store's default)
  Retention retention = Retention::standard;  // settled/delivered: see Retention
  std::string token{};           // the claim being ended (ClaimResult::token); empty: whichever claim is in flight
  bool hold = false;             // settled: this request keeps the claim (renewing it) to deliver the answer
};

/// What a renewal found.
enum class Renewal {
  held,    // the claim is this request's, for another lease
  lost,    // the claim is not this request's any more (its lease ran out, or it was ended)
  failed,  // the store could not answer: the lease runs on as it was
};

/// Where payment claims live.
class ReplayStore {
 public:
  virtual ~ReplayStore() = default;
  /// Claims `identity` atomically for at most `lease` (a claim never finished or renewed expires then).
  virtual awaitable<ClaimResult> claim(const std::string& identity, std::chrono::milliseconds lease) = 0;
  /// Extends the claim `token` holds on `identity` by another lease (ClaimResult::lease).
  virtual awaitable<Renewal> renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) = 0;
  /// Ends (or, Ending::hold, moves on) a claim this request holds. A settlement or an unknown outcome
  /// is recorded even if the lease ran out meanwhile: what went to the chain must never be forgotten.
  /// False when the store could not answer, or a release found the claim not this request's. True
  /// when recorded, or when the store knows more already (an unknown outcome over a settlement).
  virtual awaitable<bool> finish(const std::string& identity, Ending ending) = 0;
  /// Resolves an entry whose outcome was unknown, once it is known (reconciliation): settled (landed,
  /// its answer not delivered: the next presentation is served) or released. False when there is no
  /// such unknown entry or the store cannot answer.
  virtual awaitable<bool> resolve(const std::string& identity, Ending ending) = 0;
  /// Releases (or, for a settled payment held to deliver, gives back) a claim without waiting, on a
  /// path that cannot co_await (an exception unwinding); a store may leave it to the lease.
  virtual void abandon(const std::string& identity, const std::string& token = {}) = 0;
  /// Removes a settled or delivered entry this request wrote, when what it paid for was not delivered
  /// after all (pay-then-prove marks a hash used before its answer streams, and frees it when the
  /// forward fails before any byte). Acts only while the entry is settled/delivered with exactly
  /// `receipt`, which names the request, so it never removes another's. False when nothing was removed.
  virtual awaitable<bool> revoke(const std::string& identity, const std::string& receipt) = 0;
  /// Whether the store holds as many pinned entries as it may (the memory store's capacity):
  /// a new one is then refused rather than another dropped. A shared store has no such bound.
  virtual bool pinned_full() { return false; }
};

}  // namespace x402gw::payment
