#include "facilitator/settle_answer.hpp"

namespace x402gw::facilitator {

bool says_pending(std::string_view reason) {
  // "settlement_pending" is what the x402 facilitators answer for a broadcast transaction that is
  // not confirmed yet; "pending" and "in_progress" spellings are taken alike.
  for (std::string_view word : {"pending", "in_progress", "inprogress"})
    if (reason.find(word) != std::string_view::npos) return true;
  return false;
}

SettleMeaning classify_settle_answer(unsigned status, const std::optional<x402::SettleResult>& parsed) {
  // Refused before it was acted on: the gateway's credentials (401, 403) or its rate (429).
  if (status == 401 || status == 403 || status == 429) return SettleMeaning::refused;
  if (!parsed) return SettleMeaning::unknown;
  if (parsed->success) return parsed->transaction.empty() ? SettleMeaning::unknown : SettleMeaning::settled;
  if (says_pending(parsed->error_reason)) return SettleMeaning::unknown;
  // A server error may have failed after broadcasting, whatever its body says.
  if (status >= 500 || status < 200) return SettleMeaning::unknown;
  return SettleMeaning::refused;
}

}  // namespace x402gw::facilitator
