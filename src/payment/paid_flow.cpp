#include "payment/paid_flow.hpp"

namespace x402gw::payment {
namespace {

using core::PaymentOutcome;

Action next(Step step, ClaimOp claim = ClaimOp::keep, bool with_receipt = false) {
  return Action{step, claim, false, with_receipt, false, PaymentOutcome::none};
}

Action end(Step step, ClaimOp claim, PaymentOutcome outcome, bool with_receipt = false, bool rate_limited = false) {
  return Action{step, claim, rate_limited, with_receipt, true, outcome};
}

}  // namespace

Action PaidFlow::on(Event event) {
  const bool before = mode_ == config::Settlement::before;
  auto go = [&](State s, Action a) {
    state_ = a.final ? State::done : s;
    return a;
  };
  switch (state_) {
    case State::start:
      switch (event) {
        case Event::no_payment: return go(State::done, end(Step::challenge, ClaimOp::keep, PaymentOutcome::challenged, false, true));
        case Event::payment_refused: return go(State::done, end(Step::challenge, ClaimOp::keep, PaymentOutcome::rejected, false, true));
        case Event::claim_refused: return go(State::done, end(Step::challenge, ClaimOp::keep, PaymentOutcome::rejected));
        case Event::store_failed: return go(State::done, end(Step::reply_error, ClaimOp::keep, PaymentOutcome::rejected));
        case Event::claimed: return go(State::verifying, next(Step::verify));
        // Paid before, never delivered: served now with the stored receipt, never charged again (R2).
        case Event::claim_landed: return go(State::serving_again, next(Step::stream, ClaimOp::keep, true));
        // Paid and delivered: nothing more (R3), unless the route sells a pass.
        case Event::claim_delivered:
          if (on_repeat_ == config::OnRepeat::pass) return go(State::passing, next(Step::stream, ClaimOp::keep, true));
          return go(State::done, end(Step::challenge, ClaimOp::keep, PaymentOutcome::rejected));
        case Event::claim_unknown: return go(State::done, end(Step::pending, ClaimOp::keep, PaymentOutcome::rejected));
        case Event::id_missing:
        case Event::id_conflict: return go(State::done, end(Step::reply_error, ClaimOp::keep, PaymentOutcome::rejected));
        case Event::id_answered: return go(State::done, end(Step::replay_answer, ClaimOp::keep, PaymentOutcome::served_again, true));
        default: break;
      }
      break;
    case State::verifying:
      switch (event) {
        case Event::verify_failed: return go(State::done, end(Step::reply_error, ClaimOp::release, PaymentOutcome::verify_error));
        case Event::verify_invalid: return go(State::done, end(Step::challenge, ClaimOp::release, PaymentOutcome::rejected));
        case Event::verify_valid:
          return before ? go(State::reading_body, next(Step::read_body)) : go(State::holding, next(Step::hold));
        default: break;
      }
      break;
    case State::reading_body:
      switch (event) {
        case Event::body_failed: return go(State::done, end(Step::reply_error, ClaimOp::release, PaymentOutcome::not_settled));
        case Event::body_read: return go(State::settling, next(Step::settle));
        default: break;
      }
      break;
    case State::holding:
      switch (event) {
        case Event::upstream_failed: return go(State::done, end(Step::reply_error, ClaimOp::release, PaymentOutcome::not_settled));
        // The upstream did not deliver: nothing is charged and its answer goes out as it is.
        case Event::upstream_refused: return go(State::done, end(Step::release_held, ClaimOp::release, PaymentOutcome::not_settled));
        case Event::upstream_answered: return go(State::settling, next(Step::settle));
        // An upto answer whose charge is zero: nothing goes to /settle. Its answer goes out with a
        // receipt saying so, and the claim stays held until it did: once delivered the payment is
        // used up (R3: it bought this answer), if nothing went out it is released.
        case Event::nothing_to_settle: {
          Action a = next(Step::release_held, ClaimOp::keep, true);
          a.keep_answer = keep_answers_;
          return go(State::releasing_unpaid, a);
        }
        // The upstream named a charge the gateway cannot read: an upstream fault, nothing charged.
        case Event::override_malformed: return go(State::done, end(Step::reply_error, ClaimOp::release, PaymentOutcome::not_settled));
        default: break;
      }
      break;
    case State::releasing_unpaid:
      switch (event) {
        case Event::forward_failed: return go(State::done, end(Step::finish, ClaimOp::release, PaymentOutcome::not_settled));
        case Event::forward_cut:
        case Event::forwarded: return go(State::done, end(Step::finish, ClaimOp::deliver, PaymentOutcome::not_settled));
        default: break;
      }
      break;
    case State::settling:
      switch (event) {
        case Event::client_gone: return go(State::done, end(Step::finish, ClaimOp::release, PaymentOutcome::not_settled));
        // Another request may hold the payment now: settling here could charge it twice over.
        case Event::lease_lost: return go(State::done, end(Step::reply_error, ClaimOp::release, PaymentOutcome::not_settled));
        case Event::settle_failed: return go(State::done, end(Step::reply_error, ClaimOp::release, PaymentOutcome::settle_error, true));
        case Event::settle_unknown: return go(State::done, end(Step::reply_error, ClaimOp::unknown, PaymentOutcome::outcome_unknown));
        case Event::settle_refused: return go(State::done, end(Step::challenge, ClaimOp::release, PaymentOutcome::settle_failed, true));
        case Event::settled:
          if (before) return go(State::streaming, next(Step::stream, ClaimOp::settle, true));
          {
            Action a = next(Step::release_held, ClaimOp::settle, true);
            a.keep_answer = keep_answers_;
            return go(State::releasing, a);
          }
        default: break;
      }
      break;
    case State::streaming:
      switch (event) {
        // Paid, but nothing of the answer went out: the client gets its receipt, and the payment
        // stays landed: presenting it again gets the answer (R2).
        case Event::forward_failed: return go(State::done, end(Step::reply_error, ClaimOp::give_back, PaymentOutcome::settled, true));
        // The head went out: delivered, however the body ended.
        case Event::forward_cut: return go(State::done, end(Step::reply_error, ClaimOp::deliver, PaymentOutcome::settled));
        case Event::forwarded: return go(State::done, end(Step::finish, ClaimOp::deliver, PaymentOutcome::settled));
        default: break;
      }
      break;
    case State::releasing:
      switch (event) {
        case Event::forward_failed: return go(State::done, end(Step::finish, ClaimOp::give_back, PaymentOutcome::settled));
        case Event::forward_cut:
        case Event::forwarded: return go(State::done, end(Step::finish, ClaimOp::deliver, PaymentOutcome::settled));
        default: break;
      }
      break;
    case State::serving_again:
      switch (event) {
        case Event::forward_failed: return go(State::done, end(Step::reply_error, ClaimOp::give_back, PaymentOutcome::served_again, true));
        case Event::forward_cut: return go(State::done, end(Step::reply_error, ClaimOp::deliver, PaymentOutcome::served_again));
        case Event::forwarded: return go(State::done, end(Step::finish, ClaimOp::deliver, PaymentOutcome::served_again));
        default: break;
      }
      break;
    case State::passing:
      switch (event) {
        case Event::forward_failed: return go(State::done, end(Step::reply_error, ClaimOp::keep, PaymentOutcome::served_again, true));
        case Event::forward_cut: return go(State::done, end(Step::reply_error, ClaimOp::keep, PaymentOutcome::served_again));
        case Event::forwarded: return go(State::done, end(Step::finish, ClaimOp::keep, PaymentOutcome::served_again));
        default: break;
      }
      break;
    case State::done: break;
  }
  // Fail closed: a settled claim is never released. It is given back as landed (the driver records
  // it delivered instead if the answer's head went out); a pass holds no claim; anything else is released.
  const bool settled = state_ == State::streaming || state_ == State::releasing || state_ == State::serving_again;
  const ClaimOp claim = settled ? ClaimOp::give_back : state_ == State::passing || state_ == State::done ? ClaimOp::keep : ClaimOp::release;
  const PaymentOutcome outcome = state_ == State::streaming || state_ == State::releasing ? PaymentOutcome::settled
                                 : state_ == State::serving_again || state_ == State::passing ? PaymentOutcome::served_again
                                                                                              : PaymentOutcome::none;
  state_ = State::done;
  return Action{Step::reply_error, claim, false, false, true, outcome};
}

std::string_view to_string(Event e) {
  switch (e) {
    case Event::no_payment: return "no_payment";
    case Event::payment_refused: return "payment_refused";
    case Event::claim_refused: return "claim_refused";
    case Event::store_failed: return "store_failed";
    case Event::claimed: return "claimed";
    case Event::claim_landed: return "claim_landed";
    case Event::claim_delivered: return "claim_delivered";
    case Event::claim_unknown: return "claim_unknown";
    case Event::id_missing: return "id_missing";
    case Event::id_conflict: return "id_conflict";
    case Event::id_answered: return "id_answered";
    case Event::verify_failed: return "verify_failed";
    case Event::verify_invalid: return "verify_invalid";
    case Event::verify_valid: return "verify_valid";
    case Event::body_failed: return "body_failed";
    case Event::body_read: return "body_read";
    case Event::upstream_failed: return "upstream_failed";
    case Event::upstream_refused: return "upstream_refused";
    case Event::upstream_answered: return "upstream_answered";
    case Event::nothing_to_settle: return "nothing_to_settle";
    case Event::override_malformed: return "override_malformed";
    case Event::client_gone: return "client_gone";
    case Event::lease_lost: return "lease_lost";
    case Event::settle_failed: return "settle_failed";
    case Event::settle_unknown: return "settle_unknown";
    case Event::settle_refused: return "settle_refused";
    case Event::settled: return "settled";
    case Event::forward_failed: return "forward_failed";
    case Event::forward_cut: return "forward_cut";
    case Event::forwarded: return "forwarded";
  }
  return "?";
}

std::string_view to_string(State s) {
  switch (s) {
    case State::start: return "start";
    case State::verifying: return "verifying";
    case State::reading_body: return "reading_body";
    case State::holding: return "holding";
    case State::settling: return "settling";
    case State::streaming: return "streaming";
    case State::releasing: return "releasing";
    case State::releasing_unpaid: return "releasing_unpaid";
    case State::serving_again: return "serving_again";
    case State::passing: return "passing";
    case State::done: return "done";
  }
  return "?";
}

}  // namespace x402gw::payment
