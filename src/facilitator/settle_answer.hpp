#pragma once
// What an answer to /settle means once the request was written. Only two answers are definite: a
// settlement that names its transaction, and a well-formed refusal. Everything else after the
// write (a proxy's non-JSON 5xx page, a 2xx success naming no transaction, "settlement_pending",
// a refusal with a 5xx status) may hide a payment that landed, so it is unknown: journaled and
// reconciled, never reported to the client as failed (rule R5 in README's security model).
// Pure: tested table-driven in tests/unit/facilitator/settle_answer_test.cpp.
#include <optional>
#include <string_view>

#include "x402/facilitator_messages.hpp"

namespace x402gw::facilitator {

/// The meaning of one written /settle's answer.
enum class SettleMeaning {
  settled,      // a SettleResponse with success and a transaction
  refused,      // a definite refusal: the payment did not settle (and the call was acted on, or not at all)
  unknown,      // it may have settled
};

/// Classifies the answer of HTTP `status` whose body parsed as `parsed` (nullopt: not a
/// SettleResponse, see x402::parse_settle_response).
SettleMeaning classify_settle_answer(unsigned status, const std::optional<x402::SettleResult>& parsed);

/// Whether a refusal's reason says the settlement is still under way ("settlement_pending").
bool says_pending(std::string_view reason);

}  // namespace x402gw::facilitator
