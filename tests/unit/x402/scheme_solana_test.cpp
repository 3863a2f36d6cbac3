// The Solana scheme and transaction reader against transactions built by @solana/web3.js.
#include <gtest/gtest.h>

#include "scheme_test_support.hpp"
#include "scheme_vectors.hpp"
#include "x402/base58.hpp"
#include "x402/digest.hpp"
#include "x402/payment_payload.hpp"
#include "x402/solana_transaction.hpp"

using namespace x402gw::x402;
using namespace x402gw::x402::testing;
namespace v = x402gw::x402::vectors::solana;

namespace {

constexpr const char* kDevnet = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";

Requirement devnet_usdc(std::string amount = "10000") {
  Requirement r;
  r.network = kDevnet;
  r.v1_network = "solana-devnet";
  r.amount = std::move(amount);
  r.asset = std::string(v::kMint);
  r.asset_symbol = "USDC";
  r.pay_to = std::string(v::kPayTo);
  r.extra = {{"feePayer", std::string(v::kFeePayer)}};
  return r;
}

PaymentPayload solana(std::string_view tx, int version = 2) {
  return payment_with(version == 2 ? kDevnet : "solana-devnet", {{"transaction", std::string(tx)}}, version);
}

std::string bytes_of(std::string_view b64) { return base64_decode(b64).value_or(""); }

std::string parse_error(std::string_view bytes) {
  auto parsed = parse_solana_transaction(bytes);
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "ok";
}

}  // namespace

TEST(SolanaTransaction, ReadsV0AndLegacyMessagesAsWeb3jsSerializesThem) {
  for (auto [tx, sha, version] : {std::tuple{v::kV0, v::kV0MessageSha256, 0}, std::tuple{v::kLegacy, v::kLegacyMessageSha256, -1}}) {
    auto parsed = parse_solana_transaction(bytes_of(tx));
    ASSERT_TRUE(std::holds_alternative<SolanaTransaction>(parsed)) << std::get<std::string>(parsed);
    const auto& t = std::get<SolanaTransaction>(parsed);
    EXPECT_EQ(t.version, version);
    EXPECT_EQ(t.signature_count, 2u);
    EXPECT_EQ(to_hex(sha256(t.message)), sha);
    EXPECT_EQ(base58_encode(t.account_keys.at(0)), v::kFeePayer);  // the fee payer signs first
    EXPECT_EQ(t.instructions.size(), 4u);                          // limit, price, transfer, memo
  }
}

TEST(SolanaTransaction, RefusesEveryTruncationAndTrailingBytes) {
  const std::string bytes = bytes_of(v::kV0);
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_NE(parse_error(bytes.substr(0, n)), "ok") << n;
  EXPECT_EQ(parse_error(bytes + '\0'), "the transaction has bytes after its message");
  const std::string legacy = bytes_of(v::kLegacy);
  for (size_t n = 0; n < legacy.size(); ++n) EXPECT_NE(parse_error(legacy.substr(0, n)), "ok") << n;
}

TEST(SolanaTransaction, CompactU16MustBeCanonical) {
  std::string bytes = bytes_of(v::kV0);
  ASSERT_EQ(bytes[0], 2);
  // 0x82 0x00 also reads as 2, but the validator refuses that alias, and so do we.
  EXPECT_NE(parse_error(std::string("\x82\x00", 2) + bytes.substr(1)), "ok");
  // A count of 3 signatures against a header that requires 2.
  std::string three = std::string(1, '\x03') + bytes.substr(1, 128) + std::string(64, '\0') + bytes.substr(129);
  EXPECT_NE(parse_error(three), "ok");
  // A message version other than 0.
  std::string v1 = bytes;
  v1[1 + 128] = static_cast<char>(0x81);
  EXPECT_NE(parse_error(v1), "ok");
  EXPECT_NE(parse_error(std::string("\xff\xff\xff", 3)), "ok");
  EXPECT_NE(parse_error(std::string(1, '\0')), "ok");  // no signature slot at all
}

TEST(SolanaScheme, IdentityIsTheMessageHashOnItsNetwork) {
  EXPECT_EQ(identity_of(solana(v::kV0), devnet_usdc()), std::string("solana:") + kDevnet + ":" + std::string(v::kV0MessageSha256));
  EXPECT_EQ(identity_of(solana(v::kLegacy), devnet_usdc()),
            std::string("solana:") + kDevnet + ":" + std::string(v::kLegacyMessageSha256));
}

TEST(SolanaScheme, SameTransactionHoweverTheJsonIsSpelledIsOnePayment) {
  // The replay hole this seam closes: today's payment_identity hashed the payload JSON, so an
  // extra member made the same transaction a new payment.
  const auto base = identity_of(solana(v::kV0), devnet_usdc());
  auto padded = solana(v::kV0);
  padded.document["payload"]["note"] = "same transaction, new identity?";
  EXPECT_EQ(identity_of(padded, devnet_usdc()), base);
  auto reordered = solana(v::kV0);
  reordered.document["payload"] = nlohmann::json::parse(R"({"z":1,"transaction":")" + std::string(v::kV0) + R"(","a":[2]})");
  EXPECT_EQ(identity_of(reordered, devnet_usdc()), base);
  EXPECT_EQ(identity_of(solana(unpadded(std::string(v::kV0))), devnet_usdc()), base);
  // A v1 presentation of the same transaction is the same payment.
  EXPECT_EQ(identity_of(solana(v::kV0, 1), devnet_usdc()), base);
}

TEST(SolanaScheme, SignatureSlotsDoNotChangeTheIdentity) {
  // The fee payer's slot filled in (as after settlement) or the client's signature garbled: the
  // message, and so the on-chain transaction, is the same.
  const auto base = identity_of(solana(v::kV0), devnet_usdc());
  auto signed_by_fee_payer = edited_base64(v::kV0, [](std::string& b) { b.replace(1, 64, std::string(64, '\x5a')); });
  EXPECT_EQ(identity_of(solana(signed_by_fee_payer), devnet_usdc()), base);
}

TEST(SolanaScheme, DifferentTransactionsOrNetworksAreDifferentPayments) {
  const auto base = identity_of(solana(v::kV0), devnet_usdc());
  EXPECT_NE(identity_of(solana(v::kV0OtherMemo), devnet_usdc()), base);
  EXPECT_NE(identity_of(solana(v::kLegacy), devnet_usdc()), base);
  auto mainnet = devnet_usdc();
  mainnet.network = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
  EXPECT_NE(identity_of(solana(v::kV0), mainnet), base);
}

TEST(SolanaScheme, MalformedPayloadsAreRejected) {
  auto r = devnet_usdc();
  EXPECT_EQ(identity_of(payment_with(kDevnet, nlohmann::json::object()), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(payment_with(kDevnet, {{"transaction", 42}}), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(solana("not base64!"), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(solana(""), r), "rejected:invalid_payload");
  std::string truncated = base64_encode(bytes_of(v::kV0).substr(0, 200));
  EXPECT_EQ(identity_of(solana(truncated), r), "rejected:invalid_payload");
  auto rejection = std::get<PaymentRejection>(scheme_for(r).identity(solana(truncated), r));
  EXPECT_NE(rejection.message.find("truncated"), std::string::npos) << rejection.message;
  // Never a fallback to hashing the JSON for a known family.
  EXPECT_EQ(identity_of(payment_with(kDevnet, {{"signature", "0x00"}}), r), "rejected:invalid_payload");
}

TEST(SolanaScheme, PrecheckReadsTheTransferChecked) {
  EXPECT_EQ(precheck_of(solana(v::kV0), devnet_usdc()), "ok");
  EXPECT_EQ(precheck_of(solana(v::kLegacy), devnet_usdc()), "ok");
  EXPECT_EQ(precheck_of(solana(v::kV0Amount9999), devnet_usdc()), "payment_amount_mismatch");
  EXPECT_EQ(precheck_of(solana(v::kV0), devnet_usdc("10001")), "payment_amount_mismatch");
  EXPECT_EQ(precheck_of(solana(v::kV0), devnet_usdc("9999")), "payment_amount_mismatch");  // exact, per the spec
  auto other_mint = devnet_usdc();
  other_mint.asset = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
  EXPECT_EQ(precheck_of(solana(v::kV0), other_mint), "payment_asset_mismatch");
  EXPECT_EQ(precheck_of(solana("AAAA"), devnet_usdc()), "invalid_payload");
}

TEST(SolanaScheme, PrecheckRefusesATransactionWithoutATransfer) {
  // Turn the TransferChecked discriminator (12) into Transfer (3): no TransferChecked remains.
  auto bytes = bytes_of(v::kV0);
  auto at = bytes.find(std::string("\x0a\x0c\x10\x27", 4));  // data length 10, discriminator 12, amount 10000 LE
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = 3;
  EXPECT_EQ(precheck_of(solana(base64_encode(bytes)), devnet_usdc()), "invalid_payload");
}

TEST(SolanaScheme, PayerIsTheTransferAuthority) {
  EXPECT_EQ(scheme_for(devnet_usdc()).payer(solana(v::kV0)), v::kClient);
  EXPECT_EQ(payload_payer(solana(v::kLegacy, 1)), v::kClient);
  EXPECT_EQ(payload_payer(solana("AAAA")), "");
}

TEST(SolanaScheme, MatchRequirementRunsThePrecheck) {
  auto r = devnet_usdc();
  auto p = solana(v::kV0Amount9999);
  p.accepted = to_v2_json(r);
  auto matched = match_requirement(p, {r});
  ASSERT_TRUE(std::holds_alternative<PaymentRejection>(matched));
  EXPECT_EQ(std::get<PaymentRejection>(matched).code, "payment_amount_mismatch");
  p = solana(v::kV0);
  p.accepted = to_v2_json(r);
  EXPECT_EQ(std::get<size_t>(match_requirement(p, {r})), 0u);
}
