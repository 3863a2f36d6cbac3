#include "payment/reconciliation.hpp"

#include <algorithm>

namespace x402gw::payment {

bool says_nonce_used(std::string_view reason) {
  // The @x402/evm constant, its Permit2 counterpart, and the token's revert names that a
  // facilitator may pass on as the reason.
  for (std::string_view code : {"invalid_exact_evm_nonce_already_used", "nonce_already_used", "permit2_invalid_nonce",
                                "AuthorizationUsedOrCanceled", "AuthorizationAlreadyUsed", "authorization is used"})
    if (reason.find(code) != std::string_view::npos) return true;
  return false;
}

Verdict judge(const Evidence& e) {
  const bool expired = e.now > e.expires_at;
  if (e.nonce_used) {
    if (*e.nonce_used) return Verdict::landed;
    if (expired) return Verdict::never;
  }
  const facilitator::SettleOutcome* a = e.answer;
  if (!a || a->error) {
    // No answer (down, timeout, or the answer was lost again): keep asking for a while.
    return e.now > e.expires_at + kAskAfterExpirySeconds ? Verdict::give_up : Verdict::ask_again;
  }
  if (a->result.success) return Verdict::landed;
  if (says_nonce_used(a->result.error_reason) || says_nonce_used(a->result.error_message)) return Verdict::landed;
  if (a->result.error_reason == "settlement_pending") return Verdict::ask_again;
  // Any other refusal proves nothing before expiry (the first transaction may still be pending)
  // and nothing after it (the facilitator checks expiry first).
  return expired ? Verdict::give_up : Verdict::ask_again;
}

std::chrono::seconds backoff(int attempt, std::chrono::seconds cap) {
  const int shift = std::clamp(attempt, 0, 20);
  return std::min(cap, std::chrono::seconds(int64_t{1} << shift));
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::landed: return "landed";
    case Verdict::never: return "never";
    case Verdict::ask_again: return "ask_again";
    case Verdict::give_up: return "give_up";
  }
  return "?";
}

}  // namespace x402gw::payment
