#pragma once
// What the answers about a settlement whose outcome was unknown prove, as a pure decision (the
// asking is reconciler.cpp's, the chain reading reconciliation_evm.cpp's).
//
// Evidence that a payment landed, by family:
//   - every family: the facilitator answers the repeated /settle with a success naming its
//     transaction (it lands now, or landed, for a facilitator that is idempotent itself);
//   - EVM, where `chains:` names a node for the network: the chain shows a transaction under the
//     authorization (AuthorizationUsed(from, nonce)) moving the price to pay_to (chain::ChainFinding).
// "The nonce is used" (invalid_exact_evm_nonce_already_used) proves nothing alone: the payer may
// have cancelled the authorization or spent the nonce on a transfer to itself meanwhile. Without
// evidence the payment stays unknown (402 payment_pending, never served) until the facilitator
// or the chain says more; past its family's window plus a day nothing more can be learned, and it
// is given up: kept unknown and shown to the operator, never released as paid.
//
// Evidence that it never landed and never will: only the chain's (the authorization cancelled,
// spent on another transfer, or still unused past validBefore).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "chain/authorization_evidence.hpp"
#include "facilitator/facilitator.hpp"
#include "x402/networks.hpp"

namespace x402gw::payment {

/// What to do with an unknown outcome after one more answer.
enum class Verdict {
  landed,      // it settled: resolve as settled
  never,       // it provably never settled and never will: resolve as released
  ask_again,   // nothing learned yet: ask again after a back-off
  give_up,     // nothing more can be learned: stop asking; the claim stays unknown
};

/// The answer of one repeated /settle and of the chain, with the payment's window.
struct Evidence {
  const facilitator::SettleOutcome* answer = nullptr;  // null: no facilitator answer this round
  std::optional<chain::ChainFinding> chain;             // EVM through `chains:`, when it proved something
  int64_t now = 0;                                      // unix seconds
  int64_t window_end = 0;                               // settlement_window(): when it can no longer land
  int64_t recorded_at = 0;                              // when the outcome became unknown
};

/// How long past its window an unknown outcome is still asked about (a down facilitator or node
/// says nothing, and a late answer may still come).
inline constexpr int64_t kAskAfterExpirySeconds = 24 * 3600;
/// Nobody asks about an unknown outcome for longer than this after it was recorded.
inline constexpr int64_t kMaxAskSeconds = 7 * 24 * 3600;
/// A Solana transaction's blockhash expires after 150 blocks (60 to 90 s): with a margin.
inline constexpr int64_t kSolanaWindowSeconds = 180;
/// A Stellar payment's authorization expires at a ledger the payload names (about maxTimeoutSeconds
/// after signing, ledgers closing every ~5 s): with a margin.
inline constexpr int64_t kStellarWindowSeconds = 600;

/// The family of a network (CAIP-2 or a v1 name); Family::other when it is not known.
x402::Family family_of(std::string_view network);

/// When a payment of `family` can no longer land, from its payload's expiry `expires_at` (an EVM
/// validBefore, or the requirement's maxTimeoutSeconds after the request) and when it was sent.
/// EVM: validBefore. Solana: the blockhash's life. Stellar: the authorization's ledger. Stacks: a
/// transaction stays valid until its nonce is spent: never, as far as the gateway knows.
int64_t settlement_window(x402::Family family, int64_t expires_at, int64_t sent_at);

/// Until when an unknown outcome is asked about: its window plus a day, at most kMaxAskSeconds.
int64_t asking_deadline(int64_t window_end, int64_t recorded_at);

/// How long the replay store keeps an unknown marker of `network`: until its asking deadline.
std::chrono::seconds unknown_keep(std::string_view network, int64_t expires_at, int64_t now);

/// Decides from the evidence. Pure: tested in tests/unit/payment/reconciliation_test.cpp.
Verdict judge(const Evidence& evidence);

/// Whether a facilitator's failure reason (or message) says the payment's nonce was used (logged,
/// and a reason to read the chain; no proof of payment).
bool says_nonce_used(std::string_view reason);

/// The wait before attempt `attempt` (0-based): 1 s, 2 s, 4 s ... capped at `cap`.
std::chrono::seconds backoff(int attempt, std::chrono::seconds cap = std::chrono::seconds(300));

/// The word for a verdict's counter label ("landed").
std::string_view to_string(Verdict v);

/// The word for a family's label ("evm").
std::string_view to_string(x402::Family f);

}  // namespace x402gw::payment
