// The reconciliation decision, answer by answer and family by family, before and after the
// payment's window: only a settlement naming its transaction, or the chain, proves anything.
#include "payment/reconciliation.hpp"

#include <gtest/gtest.h>

#include <limits>

using namespace x402gw;
using payment::Evidence;
using payment::Verdict;
using chain::ChainFinding;

namespace {

constexpr int64_t kSent = 1'000'000;
constexpr int64_t kExpiry = kSent + 60;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

facilitator::SettleOutcome refusal(std::string reason, std::string message = "") {
  facilitator::SettleOutcome o;
  o.result.success = false;
  o.result.error_reason = std::move(reason);
  o.result.error_message = std::move(message);
  return o;
}

facilitator::SettleOutcome success(std::string tx = "0xabc") {
  facilitator::SettleOutcome o;
  o.result.success = true;
  o.result.transaction = std::move(tx);
  return o;
}

facilitator::SettleOutcome transport(core::Error e) {
  facilitator::SettleOutcome o;
  o.error = e;
  return o;
}

Verdict judge_at(const facilitator::SettleOutcome* answer, int64_t now, std::optional<ChainFinding> chain = std::nullopt,
                 int64_t window = kExpiry) {
  return payment::judge(Evidence{answer, chain, now, window, kSent});
}

}  // namespace

TEST(Reconciliation, SuccessNamingItsTransactionMeansItLanded) {
  const auto a = success();
  EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::landed);
  EXPECT_EQ(judge_at(&a, kExpiry + 10), Verdict::landed);
  const auto no_tx = success("");
  EXPECT_EQ(judge_at(&no_tx, kExpiry - 10), Verdict::ask_again);
}

TEST(Reconciliation, AUsedNonceIsNoProofOfPayment) {
  // The payer may have cancelled the authorization, or spent the nonce on a transfer to itself.
  for (const auto& a : {refusal("invalid_exact_evm_nonce_already_used"), refusal("permit2_invalid_nonce"),
                        refusal("invalid_exact_evm_transaction_failed", "execution reverted: FiatTokenV2: authorization is used or canceled"),
                        refusal("invalid_exact_evm_transaction_failed: AuthorizationUsedOrCanceled()")}) {
    EXPECT_TRUE(payment::says_nonce_used(a.result.error_reason + " " + a.result.error_message));
    EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::ask_again) << a.result.error_reason;
    EXPECT_EQ(judge_at(&a, kExpiry + payment::kAskAfterExpirySeconds), Verdict::ask_again);
    EXPECT_EQ(judge_at(&a, kExpiry + payment::kAskAfterExpirySeconds + 1), Verdict::give_up) << "kept unknown, never released as paid";
  }
}

TEST(Reconciliation, PendingAndNoAnswerAreAskedAgainUntilADayPastTheWindow) {
  const auto pending = refusal("settlement_pending");
  EXPECT_EQ(judge_at(&pending, kExpiry - 10), Verdict::ask_again);
  for (core::Error e : {core::Error::facilitator_connect, core::Error::settlement_timeout, core::Error::settlement_unknown}) {
    const auto a = transport(e);
    EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::ask_again);
    EXPECT_EQ(judge_at(&a, kExpiry + payment::kAskAfterExpirySeconds), Verdict::ask_again);
    EXPECT_EQ(judge_at(&a, kExpiry + payment::kAskAfterExpirySeconds + 1), Verdict::give_up);
  }
  EXPECT_EQ(judge_at(nullptr, kExpiry - 10), Verdict::ask_again);  // the facilitator is no longer configured
}

TEST(Reconciliation, ARefusalProvesNothing) {
  for (const auto& a : {refusal("invalid_exact_evm_insufficient_balance"), refusal("invalid_exact_evm_payload_authorization_valid_before")}) {
    EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::ask_again) << a.result.error_reason;
    EXPECT_EQ(judge_at(&a, kExpiry + 1), Verdict::ask_again) << a.result.error_reason;
  }
}

TEST(Reconciliation, TheChainDecidesOverTheFacilitator) {
  const auto used = refusal("invalid_exact_evm_nonce_already_used");
  EXPECT_EQ(judge_at(&used, kExpiry - 1, ChainFinding::landed), Verdict::landed);
  EXPECT_EQ(judge_at(&used, kExpiry - 1, ChainFinding::not_paid), Verdict::never) << "cancelled, or spent on a self-transfer";
  const auto ok = success();
  EXPECT_EQ(judge_at(&ok, kExpiry - 1, ChainFinding::not_paid), Verdict::never);
  EXPECT_EQ(judge_at(nullptr, kExpiry + 1, ChainFinding::landed), Verdict::landed);
}

TEST(Reconciliation, EachFamilyHasItsWindow) {
  using x402::Family;
  EXPECT_EQ(payment::family_of("eip155:8453"), Family::evm);
  EXPECT_EQ(payment::family_of("base-sepolia"), Family::evm);
  EXPECT_EQ(payment::family_of("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"), Family::solana);
  EXPECT_EQ(payment::family_of("stacks:1"), Family::stacks);
  EXPECT_EQ(payment::family_of("stellar:pubnet"), Family::stellar);
  EXPECT_EQ(payment::family_of("nonsense"), Family::other);

  // EVM: validBefore, whatever it is.
  EXPECT_EQ(payment::settlement_window(Family::evm, kExpiry, kSent), kExpiry);
  // Solana: the blockhash's life at least (maxTimeoutSeconds may be shorter).
  EXPECT_EQ(payment::settlement_window(Family::solana, kSent + 30, kSent), kSent + payment::kSolanaWindowSeconds);
  EXPECT_EQ(payment::settlement_window(Family::solana, kSent + 900, kSent), kSent + 900);
  // Stellar: the authorization's ledger, with a margin.
  EXPECT_EQ(payment::settlement_window(Family::stellar, kSent + 60, kSent), kSent + payment::kStellarWindowSeconds);
  // Stacks: a transaction does not expire.
  EXPECT_EQ(payment::settlement_window(Family::stacks, kSent + 60, kSent), kMax);
}

TEST(Reconciliation, NonEvmOutcomesAreNotAbandonedAfterMaxTimeoutSeconds) {
  const auto refused = refusal("transaction_failed");
  const int64_t sixty = kSent + 60;  // what used to be the expiry of every non-EVM payment
  for (x402::Family f : {x402::Family::solana, x402::Family::stellar, x402::Family::stacks}) {
    const int64_t window = payment::settlement_window(f, sixty, kSent);
    EXPECT_EQ(judge_at(&refused, sixty + 120, std::nullopt, window), Verdict::ask_again) << payment::to_string(f);
    const auto landed = success("5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW");
    EXPECT_EQ(judge_at(&landed, sixty + 3600, std::nullopt, window), Verdict::landed) << payment::to_string(f);
  }
  // Stacks: asked about for as long as anyone asks (kMaxAskSeconds), not a day past 60 s.
  const int64_t stacks = payment::settlement_window(x402::Family::stacks, sixty, kSent);
  EXPECT_EQ(judge_at(&refused, kSent + 2 * 24 * 3600, std::nullopt, stacks), Verdict::ask_again);
  EXPECT_EQ(judge_at(&refused, kSent + payment::kMaxAskSeconds + 1, std::nullopt, stacks), Verdict::give_up);
}

TEST(Reconciliation, FarFutureExpiriesSaturate) {
  // A validBefore of 2^63 or more is INT64_MAX: a day more must not wrap into the past.
  EXPECT_EQ(payment::asking_deadline(kMax, kSent), kSent + payment::kMaxAskSeconds);
  EXPECT_EQ(payment::asking_deadline(kMax, kMax), kMax);
  const auto down = transport(core::Error::settlement_timeout);
  EXPECT_EQ(judge_at(&down, kSent + 10, std::nullopt, kMax), Verdict::ask_again);
  EXPECT_EQ(payment::unknown_keep("eip155:8453", kMax, kSent).count(), payment::kMaxAskSeconds);
  EXPECT_EQ(payment::unknown_keep("stacks:1", kSent, kSent).count(), payment::kMaxAskSeconds);
  EXPECT_EQ(payment::unknown_keep("eip155:8453", kSent - 10, kSent).count(), payment::kAskAfterExpirySeconds - 10);
}

TEST(Reconciliation, BackOffDoublesUpToItsCap) {
  EXPECT_EQ(payment::backoff(0).count(), 1);
  EXPECT_EQ(payment::backoff(1).count(), 2);
  EXPECT_EQ(payment::backoff(5).count(), 32);
  EXPECT_EQ(payment::backoff(9).count(), 300);
  EXPECT_EQ(payment::backoff(1000).count(), 300);
  EXPECT_EQ(payment::backoff(-3).count(), 1);
}
