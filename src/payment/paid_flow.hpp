#pragma once
// The paid flow as a sans-io state machine: events in, one action out per event. It decides what
// happens next and what becomes of the payment's claim; it does no I/O and holds no payloads (the
// driver, flow.cpp, keeps the payment, the facilitator's answers and the held response). Both
// settlement modes are one machine:
//
//   start --claimed--> verifying --valid--> [before] reading_body --body_read--> settling --settled--> streaming --forwarded--> done
//                                           [after]  holding --upstream_answered--> settling --settled--> releasing --forwarded--> done
//                                                    holding --nothing_to_settle--> releasing_unpaid --forwarded--> done (upto, zero charge)
//
//   start --claim_landed--> serving_again --forwarded--> done    (settled, never delivered: no /verify, no /settle; R2)
//   start --claim_delivered--> [on_repeat: refuse] 402 payment_already_used (R3)
//                              [on_repeat: pass]   passing --forwarded--> done   (the opt-in pass)
//
// Every other exit answers at once and ends the machine. The claim is always finished (released,
// delivered, given back as landed, or marked unknown) by the action that ends the machine, before
// the client is answered. A settled payment is "delivered" once the first bytes of its answer's
// response head were written to the client (forwarded, forward_cut); until then (forward_failed: the
// forward failed before any byte of the answer, or the client left) it stays landed and the next
// presentation of it is served without a second settlement.
// Unit-tested exit by exit in tests/unit/payment/paid_flow_test.cpp.
#include <string_view>

#include "config/config.hpp"
#include "core/outcome.hpp"

namespace x402gw::payment {

/// What the driver observed.
enum class Event {
  no_payment,         // the request carries no payment header
  payment_refused,    // the header does not decode, matches no requirement, or fails the scheme's checks
  claim_refused,      // the payment is in flight elsewhere or was used before
  store_failed,       // the replay store cannot answer
  claimed,            // the payment is claimed for this request
  claim_landed,       // this very payload was settled before and its answer never delivered: claimed to deliver it
  claim_delivered,    // this very payload was settled before and its answer delivered
  claim_unknown,      // this payment's settlement went out and its outcome is not known yet
  id_missing,         // the route requires a payment identifier and the payload has no valid one
  id_conflict,        // the payment identifier was used with a different payload
  id_answered,        // the payment identifier's first answer is kept (payment_identifier.mode: replay_answer)
  verify_failed,      // /verify could not be asked
  verify_invalid,     // the facilitator says the payment is invalid
  verify_valid,
  body_failed,        // settle-before: the request body is too large, malformed, slow or cut off
  body_read,          // settle-before: the whole request body is here and within limits
  upstream_failed,    // settle-after: no complete answer from the upstream
  upstream_refused,   // settle-after: the upstream answered >= 400
  upstream_answered,  // settle-after: a complete answer < 400 is held, with something to settle
  nothing_to_settle,  // settle-after, upto: the answer < 400 names a zero charge: delivered unsettled
  override_malformed, // settle-after, upto: the answer's Settlement-Overrides cannot be read: an upstream error
  client_gone,        // the client closed its connection before the settlement
  lease_lost,         // the claim is no longer this request's (its lease lapsed): it must not settle
  settle_failed,      // /settle did not reach the facilitator
  settle_unknown,     // /settle went out and no answer came
  settle_refused,     // the facilitator says the settlement failed
  settled,
  forward_failed,     // after the settlement: no byte of the answer went out (upstream failed, client gone)
  forward_cut,        // after the settlement: the answer's head went out, then the forward failed
  forwarded,          // after the settlement: the answer went out to the client
};

/// What the driver does next.
enum class Step {
  challenge,          // answer 402 with a challenge
  verify,             // call /verify
  read_body,          // read the whole request body
  settle,             // check the client is still there (else feed client_gone), then call /settle
  stream,             // forward and stream the answer (with the receipt)
  hold,               // forward and hold the whole answer
  release_held,       // send the held answer
  pending,            // answer 402 payment_pending with Retry-After: the outcome is being reconciled
  replay_answer,      // send the payment identifier's kept first answer
  reply_error,        // answer with the error the driver holds (if no response has started)
  finish,             // nothing more to send
};

/// What becomes of the payment's claim, before the step.
enum class ClaimOp {
  keep,       // nothing
  release,    // not settled: forgotten
  settle,     // settled: recorded, and still held by this request to deliver its answer
  deliver,    // the answer's head went out: delivered, used up (R3)
  give_back,  // settled, answer not delivered: landed, the next presentation gets it (R2)
  unknown,    // the settlement's outcome is unknown: kept until reconciled
};

/// One action.
struct Action {
  Step step = Step::reply_error;
  ClaimOp claim = ClaimOp::keep;
  bool rate_limited = false;        // challenge: only unpaid requests count against the client's limit
  bool with_receipt = false;        // the settlement's receipt (or failed receipt) goes with the answer
  bool final = false;               // the machine ends with this action
  core::PaymentOutcome outcome = core::PaymentOutcome::none;  // recorded when final
  bool keep_answer = false;         // release_held: keep the answer for its payment identifier
  bool operator==(const Action&) const = default;
};

/// Where the machine is.
enum class State { start, verifying, reading_body, holding, settling, streaming, releasing, releasing_unpaid, serving_again, passing, done };

/// One paid request.
class PaidFlow {
 public:
  /// `on_repeat`: what a re-presentation of a delivered payment gets; `keep_answers`: settle-after
  /// answers are kept for the payment identifier (payment_identifier.mode: replay_answer).
  explicit PaidFlow(config::Settlement mode, config::OnRepeat on_repeat = config::OnRepeat::refuse, bool keep_answers = false)
      : mode_(mode), on_repeat_(on_repeat), keep_answers_(keep_answers) {}

  /// Feeds an event; returns what to do. An event that does not fit the state is a bug in the
  /// driver: it fails closed (release the claim, answer 500) and ends the machine.
  Action on(Event event);

  State state() const { return state_; }
  bool done() const { return state_ == State::done; }

 private:
  config::Settlement mode_;
  config::OnRepeat on_repeat_;
  bool keep_answers_;
  State state_ = State::start;
};

/// Names, for logs and test messages.
std::string_view to_string(Event e);
std::string_view to_string(State s);

}  // namespace x402gw::payment
