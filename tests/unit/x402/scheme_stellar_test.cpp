// The Stellar scheme and XDR reader against transactions built by @stellar/stellar-sdk.
#include <gtest/gtest.h>

#include "scheme_test_support.hpp"
#include "scheme_vectors.hpp"
#include "x402/payment_payload.hpp"
#include "x402/requirements.hpp"
#include "x402/stellar_transaction.hpp"

using namespace x402gw::x402;
using namespace x402gw::x402::testing;
namespace v = x402gw::x402::vectors::stellar;

namespace {

Requirement testnet_usdc(std::string amount = "10000000") {
  Requirement r;
  r.network = "stellar:testnet";
  r.amount = std::move(amount);
  r.asset = std::string(v::kAsset);
  r.asset_symbol = "USDC";
  r.decimals = 7;
  r.pay_to = std::string(v::kTo);
  r.extra = {{"areFeesSponsored", true}};
  return r;
}

PaymentPayload stellar(std::string_view tx) { return payment_with("stellar:testnet", {{"transaction", std::string(tx)}}); }

std::variant<StellarContractCall, std::string> parse(std::string_view b64) {
  return parse_stellar_contract_call(base64_decode(b64).value_or(""));
}

}  // namespace

TEST(StellarTransaction, ReadsTheTransferAndItsAuthorizationAsTheSdkBuiltThem) {
  auto parsed = parse(v::kTransfer);
  ASSERT_TRUE(std::holds_alternative<StellarContractCall>(parsed)) << std::get<std::string>(parsed);
  const auto& call = std::get<StellarContractCall>(parsed);
  EXPECT_EQ(call.contract, v::kAsset);
  EXPECT_EQ(call.function, "transfer");
  ASSERT_EQ(call.args.size(), 3u);
  EXPECT_EQ(call.args[0].text, v::kFrom);
  EXPECT_EQ(call.args[1].text, v::kTo);
  EXPECT_EQ(call.args[2].kind, StellarArgument::Kind::i128);
  EXPECT_EQ(call.args[2].text, "10000000");
  ASSERT_EQ(call.address_authorizations.size(), 1u);
  EXPECT_EQ(call.address_authorizations[0].address, v::kFrom);
  EXPECT_EQ(std::to_string(call.address_authorizations[0].nonce), v::kTransferNonce);
  EXPECT_EQ(call.address_authorizations[0].expiration_ledger, 1234567u);
  EXPECT_EQ(call.source_account_authorizations, 0u);

  auto to_contract = parse(v::kSmallAmountToContract);
  ASSERT_TRUE(std::holds_alternative<StellarContractCall>(to_contract));
  EXPECT_EQ(std::get<StellarContractCall>(to_contract).args[1].text, v::kContractPayee);  // a C... strkey
}

TEST(StellarTransaction, RefusesEveryTruncationAndTrailingBytes) {
  const std::string bytes = base64_decode(v::kTransfer).value();
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_stellar_contract_call(bytes.substr(0, n)))) << n;
  auto trailing = parse_stellar_contract_call(bytes + std::string(4, '\0'));
  ASSERT_TRUE(std::holds_alternative<std::string>(trailing));
  EXPECT_EQ(std::get<std::string>(trailing), "the transaction XDR has bytes after its signatures");
}

TEST(StellarTransaction, RefusesOtherEnvelopesAndOperations) {
  std::string bytes = base64_decode(v::kTransfer).value();
  std::string fee_bump = bytes;
  fee_bump[3] = 5;  // ENVELOPE_TYPE_TX_FEE_BUMP
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_stellar_contract_call(fee_bump)));
  // Operation type 24 (invokeHostFunction) at its place after the operation count and source flag.
  auto at = bytes.find(std::string("\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x18", 12));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 11] = 1;  // a payment operation instead
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_stellar_contract_call(bytes)));
}

TEST(StellarTransaction, StrkeysMatchTheSdk) {
  // The asset's contract id and the payer's key, re-encoded from the raw bytes the XDR holds.
  auto call = std::get<StellarContractCall>(parse(v::kTransfer));
  EXPECT_EQ(call.contract.size(), 56u);
  EXPECT_EQ(stellar_strkey('G', std::string(32, '\0')), "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF");
  EXPECT_EQ(stellar_strkey('X', std::string(32, '\0')), "");
}

TEST(StellarScheme, IdentityIsThePayersAuthorizationNonce) {
  EXPECT_EQ(identity_of(stellar(v::kTransfer), testnet_usdc()),
            "stellar:stellar:testnet:" + std::string(v::kFrom) + ":" + std::string(v::kTransferNonce));
  EXPECT_EQ(identity_of(stellar(v::kOtherNonce), testnet_usdc()), "stellar:stellar:testnet:" + std::string(v::kFrom) + ":-42");
}

TEST(StellarScheme, TheSameAuthorizationInAnotherEnvelopeIsOnePayment) {
  // Another source sequence, fee and memo give another transaction hash, but the facilitator
  // rebuilds the envelope anyway: what is consumed on chain is the authorization's nonce.
  const auto base = identity_of(stellar(v::kTransfer), testnet_usdc());
  EXPECT_EQ(identity_of(stellar(v::kSameAuthOtherEnvelope), testnet_usdc()), base);
  auto padded = stellar(v::kTransfer);
  padded.document["payload"]["extra"] = {{"x", 1}};
  EXPECT_EQ(identity_of(padded, testnet_usdc()), base);
  EXPECT_EQ(identity_of(stellar(unpadded(std::string(v::kTransfer))), testnet_usdc()), base);
  EXPECT_NE(identity_of(stellar(v::kOtherNonce), testnet_usdc()), base);
  auto pubnet = testnet_usdc();
  pubnet.network = "stellar:pubnet";
  EXPECT_NE(identity_of(stellar(v::kTransfer), pubnet), base);
}

TEST(StellarScheme, MalformedPayloadsAreRejected) {
  auto r = testnet_usdc();
  EXPECT_EQ(identity_of(payment_with("stellar:testnet", nlohmann::json::object()), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(stellar("AAAAAgAAAAA"), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(stellar("%%%"), r), "rejected:invalid_payload");
  EXPECT_EQ(precheck_of(stellar("AAAAAgAAAAA"), r), "invalid_payload");
}

TEST(StellarScheme, PrecheckComparesContractRecipientAndExactAmount) {
  EXPECT_EQ(precheck_of(stellar(v::kTransfer), testnet_usdc()), "ok");
  EXPECT_EQ(precheck_of(stellar(v::kTransfer), testnet_usdc("10000001")), "payment_amount_mismatch");
  EXPECT_EQ(precheck_of(stellar(v::kTransfer), testnet_usdc("9999999")), "payment_amount_mismatch");
  auto other_payee = testnet_usdc();
  other_payee.pay_to = std::string(v::kFrom);
  EXPECT_EQ(precheck_of(stellar(v::kTransfer), other_payee), "payment_recipient_mismatch");
  auto other_asset = testnet_usdc();
  other_asset.asset = "CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75";
  EXPECT_EQ(precheck_of(stellar(v::kTransfer), other_asset), "payment_asset_mismatch");
  auto to_contract = testnet_usdc("123");
  to_contract.pay_to = std::string(v::kContractPayee);
  EXPECT_EQ(precheck_of(stellar(v::kSmallAmountToContract), to_contract), "ok");
}

TEST(StellarScheme, PayerIsTheTransferSource) {
  EXPECT_EQ(scheme_for(testnet_usdc()).payer(stellar(v::kTransfer)), v::kFrom);
  EXPECT_EQ(scheme_for(testnet_usdc()).payer(stellar("AAAA")), "");
}

TEST(StellarScheme, AV1ShapedPaymentNamesTheCaip2IdAndMatches) {
  // Stellar has no v1 network name: a v1-shaped X-PAYMENT names stellar:testnet, and matches the
  // Stellar requirement (and only it), which the facilitator then receives under that id.
  PaymentPayload p = payment_with("stellar:testnet", {{"transaction", std::string(v::kTransfer)}}, 1);
  Requirement evm;
  evm.network = "eip155:84532";
  evm.v1_network = "base-sepolia";
  std::vector<Requirement> rs{evm, testnet_usdc()};
  auto found = match_requirement(p, rs);
  ASSERT_TRUE(std::holds_alternative<size_t>(found));
  EXPECT_EQ(std::get<size_t>(found), 1u);
  EXPECT_EQ(to_v1_json(rs[1], ResourceInfo{})["network"], "stellar:testnet");
  EXPECT_EQ(to_v1_json(rs[0], ResourceInfo{})["network"], "base-sepolia");

  // An EVM requirement that has a v1 name is matched by that name only.
  PaymentPayload caip = payment_with("eip155:84532", {{"transaction", std::string(v::kTransfer)}}, 1);
  EXPECT_TRUE(std::holds_alternative<PaymentRejection>(match_requirement(caip, {evm})));
  // A v1 payment for another Stellar network does not match.
  PaymentPayload pubnet = payment_with("stellar:pubnet", {{"transaction", std::string(v::kTransfer)}}, 1);
  EXPECT_TRUE(std::holds_alternative<PaymentRejection>(match_requirement(pubnet, rs)));
}
