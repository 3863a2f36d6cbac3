#include "payment/reconciliation.hpp"

#include <algorithm>
#include <limits>

#include "core/saturating.hpp"

namespace x402gw::payment {

using core::saturating_add;

x402::Family family_of(std::string_view network) {
  std::optional<x402::Network> n = x402::resolve_network(network);
  return n ? n->family : x402::Family::other;
}

int64_t settlement_window(x402::Family family, int64_t expires_at, int64_t sent_at) {
  switch (family) {
    case x402::Family::evm:
    case x402::Family::other: return expires_at;
    case x402::Family::solana: return std::max(expires_at, saturating_add(sent_at, kSolanaWindowSeconds));
    case x402::Family::stellar: return std::max(expires_at, saturating_add(sent_at, kStellarWindowSeconds));
    case x402::Family::stacks: return std::numeric_limits<int64_t>::max();
  }
  return expires_at;
}

int64_t asking_deadline(int64_t window_end, int64_t recorded_at) {
  return std::min(saturating_add(window_end, kAskAfterExpirySeconds), saturating_add(recorded_at, kMaxAskSeconds));
}

std::chrono::seconds unknown_keep(std::string_view network, int64_t expires_at, int64_t now) {
  const int64_t until = asking_deadline(settlement_window(family_of(network), expires_at, now), now);
  return std::chrono::seconds(until > now ? core::saturating_sub(until, now) : 0);
}

bool says_nonce_used(std::string_view reason) {
  // The @x402/evm constant, its Permit2 counterpart, and the token's revert names that a
  // facilitator may pass on as the reason.
  for (std::string_view code : {"invalid_exact_evm_nonce_already_used", "nonce_already_used", "permit2_invalid_nonce",
                                "AuthorizationUsedOrCanceled", "AuthorizationAlreadyUsed", "authorization is used"})
    if (reason.find(code) != std::string_view::npos) return true;
  return false;
}

Verdict judge(const Evidence& e) {
  // The chain outranks the facilitator: it is what the facilitator's word is about.
  if (e.chain) return *e.chain == chain::ChainFinding::landed ? Verdict::landed : Verdict::never;
  const facilitator::SettleOutcome* a = e.answer;
  if (a && !a->error && a->result.success && !a->result.transaction.empty()) return Verdict::landed;
  // Anything else (no answer, "settlement_pending", "the nonce is used", a refusal) proves nothing
  // either way: the first transaction may still be pending, or may have landed.
  return e.now > asking_deadline(e.window_end, e.recorded_at) ? Verdict::give_up : Verdict::ask_again;
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

std::string_view to_string(x402::Family f) {
  switch (f) {
    case x402::Family::evm: return "evm";
    case x402::Family::solana: return "solana";
    case x402::Family::stacks: return "stacks";
    case x402::Family::stellar: return "stellar";
    case x402::Family::other: return "other";
  }
  return "other";
}

}  // namespace x402gw::payment
