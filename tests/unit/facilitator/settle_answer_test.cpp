#include "facilitator/settle_answer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace x402gw::facilitator {
namespace {

struct Row {
  const char* name;
  unsigned status;
  std::string body;
  SettleMeaning meaning;
};

const std::string kTx = R"("transaction":"0xabababababababababababababababababababababababababababababababab")";

// Every answer a written /settle may get: only a settlement naming its transaction, and a
// well-formed refusal that is not a server error nor "pending", are definite.
const Row kRows[] = {
    {"success with a transaction", 200, R"({"success":true,)" + kTx + R"(,"network":"eip155:8453"})", SettleMeaning::settled},
    {"success with a transaction, odd status", 202, R"({"success":true,)" + kTx + "}", SettleMeaning::settled},
    {"success without a transaction", 200, R"({"success":true})", SettleMeaning::unknown},
    {"success with an empty transaction", 200, R"({"success":true,"transaction":""})", SettleMeaning::unknown},
    {"a definite refusal, 200", 200, R"({"success":false,"errorReason":"invalid_exact_evm_insufficient_balance"})", SettleMeaning::refused},
    {"a definite refusal, 400", 400, R"({"success":false,"errorReason":"invalid_exact_evm_nonce_already_used"})", SettleMeaning::refused},
    {"a refusal without a reason", 400, R"({"success":false})", SettleMeaning::refused},
    {"settlement_pending, 200", 200, R"({"success":false,"errorReason":"settlement_pending"})", SettleMeaning::unknown},
    {"settlement_pending, 202", 202, R"({"success":false,"errorReason":"settlement_pending"})", SettleMeaning::unknown},
    {"a transaction in progress", 409, R"({"success":false,"errorReason":"transaction_in_progress"})", SettleMeaning::unknown},
    {"a refusal with a 500", 500, R"({"success":false,"errorReason":"unexpected_settle_error"})", SettleMeaning::unknown},
    {"a refusal with a 503", 503, R"({"success":false,"errorReason":"service_unavailable"})", SettleMeaning::unknown},
    {"a proxy's 504 page", 504, "<html><body><h1>504 Gateway Time-out</h1></body></html>", SettleMeaning::unknown},
    {"a 502 with no body", 502, "", SettleMeaning::unknown},
    {"a 200 that is not JSON", 200, "OK", SettleMeaning::unknown},
    {"a 200 of the wrong shape", 200, R"({"ok":true})", SettleMeaning::unknown},
    {"a 200 with success as a string", 200, R"({"success":"true",)" + kTx + "}", SettleMeaning::unknown},
    {"a 404 page (a proxy's)", 404, "<html>not found</html>", SettleMeaning::unknown},
    {"the gateway's credentials refused", 401, R"({"error":"unauthorized"})", SettleMeaning::refused},
    {"forbidden", 403, "", SettleMeaning::refused},
    {"rate limited", 429, "<html>slow down</html>", SettleMeaning::refused},
};

TEST(SettleAnswer, EveryAnswerAfterTheWrite) {
  for (const Row& row : kRows) {
    const std::optional<x402::SettleResult> parsed = x402::parse_settle_response(row.body);
    EXPECT_EQ(classify_settle_answer(row.status, parsed), row.meaning) << row.name;
  }
}

TEST(SettleAnswer, PendingSpellings) {
  EXPECT_TRUE(says_pending("settlement_pending"));
  EXPECT_TRUE(says_pending("transaction_in_progress"));
  EXPECT_FALSE(says_pending("invalid_exact_evm_nonce_already_used"));
  EXPECT_FALSE(says_pending(""));
}

}  // namespace
}  // namespace x402gw::facilitator
