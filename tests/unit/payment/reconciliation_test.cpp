// The reconciliation decision, answer by answer, before and after the payment's expiry.
#include "payment/reconciliation.hpp"

#include <gtest/gtest.h>

using namespace x402gw;
using payment::Evidence;
using payment::Verdict;

namespace {

constexpr int64_t kExpiry = 1'000'000;

facilitator::SettleOutcome refusal(std::string reason, std::string message = "") {
  facilitator::SettleOutcome o;
  o.result.success = false;
  o.result.error_reason = std::move(reason);
  o.result.error_message = std::move(message);
  return o;
}

facilitator::SettleOutcome success() {
  facilitator::SettleOutcome o;
  o.result.success = true;
  o.result.transaction = "0xabc";
  return o;
}

facilitator::SettleOutcome transport(core::Error e) {
  facilitator::SettleOutcome o;
  o.error = e;
  return o;
}

Verdict judge_at(const facilitator::SettleOutcome* answer, int64_t now, std::optional<bool> nonce_used = std::nullopt) {
  return payment::judge(Evidence{answer, nonce_used, now, kExpiry});
}

}  // namespace

TEST(Reconciliation, SuccessMeansItLanded) {
  const auto a = success();
  EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::landed);
  EXPECT_EQ(judge_at(&a, kExpiry + 10), Verdict::landed);
}

TEST(Reconciliation, AUsedNonceMeansItLanded) {
  for (const auto& a : {refusal("invalid_exact_evm_nonce_already_used"), refusal("permit2_invalid_nonce"),
                        refusal("invalid_exact_evm_transaction_failed", "execution reverted: FiatTokenV2: authorization is used or canceled"),
                        refusal("invalid_exact_evm_transaction_failed: AuthorizationUsedOrCanceled()")})
    EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::landed) << a.result.error_reason;
}

TEST(Reconciliation, PendingIsStillUnknown) {
  const auto a = refusal("settlement_pending");
  EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::ask_again);
}

TEST(Reconciliation, NoAnswerIsAskedAgainForADayPastExpiry) {
  for (core::Error e : {core::Error::facilitator_connect, core::Error::settlement_timeout, core::Error::facilitator_status}) {
    const auto a = transport(e);
    EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::ask_again);
    EXPECT_EQ(judge_at(&a, kExpiry + payment::kAskAfterExpirySeconds), Verdict::ask_again);
    EXPECT_EQ(judge_at(&a, kExpiry + payment::kAskAfterExpirySeconds + 1), Verdict::give_up);
  }
  EXPECT_EQ(judge_at(nullptr, kExpiry - 10), Verdict::ask_again);  // the facilitator is no longer configured
}

TEST(Reconciliation, ARefusalProvesNothing) {
  // Before expiry the first transaction may still be pending; after it the facilitator checks
  // validBefore first, whether or not the nonce was used.
  for (const auto& a : {refusal("invalid_exact_evm_insufficient_balance"), refusal("invalid_exact_evm_transaction_failed"),
                        refusal("invalid_exact_evm_payload_authorization_valid_before")}) {
    EXPECT_EQ(judge_at(&a, kExpiry - 10), Verdict::ask_again) << a.result.error_reason;
    EXPECT_EQ(judge_at(&a, kExpiry + 1), Verdict::give_up) << a.result.error_reason;
  }
}

TEST(Reconciliation, AChainReadOfTheNonceDecides) {
  const auto expired = refusal("invalid_exact_evm_payload_authorization_valid_before");
  EXPECT_EQ(judge_at(&expired, kExpiry + 1, true), Verdict::landed);
  EXPECT_EQ(judge_at(&expired, kExpiry + 1, false), Verdict::never);
  // Unused before expiry: it may still land.
  const auto down = transport(core::Error::facilitator_connect);
  EXPECT_EQ(judge_at(&down, kExpiry - 1, false), Verdict::ask_again);
}

TEST(Reconciliation, BackOffDoublesUpToItsCap) {
  EXPECT_EQ(payment::backoff(0).count(), 1);
  EXPECT_EQ(payment::backoff(1).count(), 2);
  EXPECT_EQ(payment::backoff(5).count(), 32);
  EXPECT_EQ(payment::backoff(9).count(), 300);
  EXPECT_EQ(payment::backoff(1000).count(), 300);
  EXPECT_EQ(payment::backoff(-3).count(), 1);
}
