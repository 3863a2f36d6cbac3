#pragma once
// What became of a request's payment, as a type instead of a string that metrics parse again.
#include <string_view>

namespace x402gw::core {

/// The payment outcome of one exchange.
enum class PaymentOutcome {
  none,             // a free route, or the request never reached the payment step
  challenged,       // no payment: a 402 challenge was sent
  rejected,         // the payment was refused before or by /verify (402)
  verify_error,     // /verify could not be asked: the facilitator failed
  not_settled,      // verified, but the upstream failed or answered >= 400, or the client left: nothing charged
  settled,          // the payment settled
  settle_failed,    // the facilitator refused the settlement (402 with a failed receipt)
  settle_error,     // /settle failed before it could reach the facilitator
  outcome_unknown,  // /settle was sent and no answer came: it may have settled
  served_again,     // a payment settled before was presented again and served without a second charge
};

/// The access log's word for an outcome ("settled"); "" for none.
constexpr std::string_view to_string(PaymentOutcome o) noexcept {
  switch (o) {
    case PaymentOutcome::none: return "";
    case PaymentOutcome::challenged: return "challenged";
    case PaymentOutcome::rejected: return "rejected";
    case PaymentOutcome::verify_error: return "verify_error";
    case PaymentOutcome::not_settled: return "not_settled";
    case PaymentOutcome::settled: return "settled";
    case PaymentOutcome::settle_failed: return "settle_failed";
    case PaymentOutcome::settle_error: return "settle_error";
    case PaymentOutcome::outcome_unknown: return "outcome_unknown";
    case PaymentOutcome::served_again: return "served_again";
  }
  return "";
}

}  // namespace x402gw::core
