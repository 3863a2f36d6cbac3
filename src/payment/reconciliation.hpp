#pragma once
// What a repeated /settle tells about a settlement whose outcome was unknown, as a pure decision
// (the asking is reconciler.cpp's). Why so few answers prove anything: the reference facilitators
// (@x402/evm, x402 v1) check an authorization's validBefore before its nonce, so once a payment
// expired, "expired" is all they say, whether or not it landed. What they do prove:
//   - success: it lands now (or landed, for a facilitator that is idempotent itself);
//   - "invalid_exact_evm_nonce_already_used" (the EIP-3009 authorizationState read, or the
//     AuthorizationUsedOrCanceled revert) before expiry: the authorization was used: it landed;
//   - "settlement_pending": broadcast, not confirmed yet: still unknown.
// A chain read of the nonce (authorizationState(from, nonce)), when one is available, proves the
// rest: used means landed; unused after expiry means it never will.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "facilitator/facilitator.hpp"

namespace x402gw::payment {

/// What to do with an unknown outcome after one more answer.
enum class Verdict {
  landed,      // it settled: resolve as settled
  never,       // it provably never settled and never will: resolve as released
  ask_again,   // nothing learned yet: ask again after a back-off
  give_up,     // nothing more can be learned: stop asking; the claim stays unknown
};

/// The answer of one repeated /settle (and optionally of a chain read), with the time.
struct Evidence {
  const facilitator::SettleOutcome* answer = nullptr;  // null: no facilitator answer this round
  std::optional<bool> nonce_used;  // a chain read of the authorization's state, when available
  int64_t now = 0;                 // unix seconds
  int64_t expires_at = 0;          // unix seconds: the payment's validBefore (or its timeout)
};

/// How long past its expiry an unknown outcome is still asked about while the facilitator cannot
/// be reached (an answer after expiry can only be "expired", but a down facilitator says nothing).
inline constexpr int64_t kAskAfterExpirySeconds = 24 * 3600;

/// Decides from the evidence. Pure: tested in tests/unit/payment/reconciliation_test.cpp.
Verdict judge(const Evidence& evidence);

/// Whether a facilitator's failure reason (or message) says the payment's nonce was used.
bool says_nonce_used(std::string_view reason);

/// The wait before attempt `attempt` (0-based): 1 s, 2 s, 4 s ... capped at `cap`.
std::chrono::seconds backoff(int attempt, std::chrono::seconds cap = std::chrono::seconds(300));

/// The word for a verdict's counter label ("landed").
std::string_view to_string(Verdict v);

}  // namespace x402gw::payment
