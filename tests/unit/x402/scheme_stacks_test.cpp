// The Stacks scheme and transaction reader against transactions built by @stacks/transactions.
#include <gtest/gtest.h>

#include "scheme_test_support.hpp"
#include "scheme_vectors.hpp"
#include "x402/digest.hpp"
#include "x402/stacks_transaction.hpp"

using namespace x402gw::x402;
using namespace x402gw::x402::testing;
namespace v = x402gw::x402::vectors::stacks;

namespace {

constexpr const char* kTestnet = "stacks:2147483648";
constexpr const char* kStxPayee = "ST36MF846JA6SB2XTX1M66JDAB61V99T3320FD7DB";

Requirement testnet_stx(std::string amount = "1000000") {
  Requirement r;
  r.network = kTestnet;
  r.amount = std::move(amount);
  r.asset = "STX";
  r.asset_symbol = "STX";
  r.pay_to = kStxPayee;
  return r;
}

Requirement mainnet_sbtc(std::string amount = "2500") {
  Requirement r;
  r.network = "stacks:1";
  r.amount = std::move(amount);
  r.asset = "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token";
  r.asset_symbol = "sBTC";
  r.decimals = 8;
  r.pay_to = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7";
  return r;
}

PaymentPayload stacks(std::string_view hex, const char* network = kTestnet, const char* member = "transaction") {
  return payment_with(network, {{member, std::string(hex)}});
}

StacksTransaction parsed(std::string_view hex) {
  auto result = parse_stacks_transaction(hex_decode(hex).value_or(""));
  if (auto* reason = std::get_if<std::string>(&result)) ADD_FAILURE() << *reason;
  return std::holds_alternative<StacksTransaction>(result) ? std::get<StacksTransaction>(result) : StacksTransaction{};
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

TEST(StacksTransaction, TxidAndOriginMatchTheReferenceLibrary) {
  for (auto [hex, txid] : {std::pair{v::kStxTestnet, v::kStxTestnetTxid}, std::pair{v::kStxTestnetRbf, v::kStxTestnetRbfTxid},
                           std::pair{v::kStxTestnetNext, v::kStxTestnetNextTxid}, std::pair{v::kSbtcMainnet, v::kSbtcMainnetTxid},
                           std::pair{v::kSbtcMainnetPostCondition, v::kSbtcMainnetPostConditionTxid},
                           std::pair{v::kStxSponsored, v::kStxSponsoredTxid}})
    EXPECT_EQ(parsed(hex).txid, txid);

  auto stx = parsed(v::kStxTestnet);
  EXPECT_FALSE(stx.mainnet);
  EXPECT_EQ(stx.chain_id, 0x80000000u);
  EXPECT_EQ(stx.origin, v::kTestnetSender);
  EXPECT_EQ(stx.origin_nonce, 7u);
  EXPECT_EQ(stx.kind, StacksTransaction::Kind::token_transfer);
  EXPECT_EQ(stx.recipient, kStxPayee);
  EXPECT_EQ(stx.amount, 1000000u);

  auto sbtc = parsed(v::kSbtcMainnet);
  EXPECT_TRUE(sbtc.mainnet);
  EXPECT_EQ(sbtc.chain_id, 1u);
  EXPECT_EQ(sbtc.origin, v::kMainnetSender);
  EXPECT_EQ(sbtc.origin_nonce, 42u);
  EXPECT_EQ(sbtc.kind, StacksTransaction::Kind::contract_call);
  EXPECT_EQ(sbtc.contract, "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token");
  EXPECT_EQ(sbtc.function, "transfer");
  ASSERT_EQ(sbtc.args.size(), 4u);
  EXPECT_EQ(sbtc.args[0].text, "2500");
  EXPECT_EQ(sbtc.args[1].text, v::kMainnetSender);
  EXPECT_EQ(sbtc.args[2].text, "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7");

  EXPECT_EQ(parsed(v::kSbtcMainnetPostCondition).args[2].text, "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7.my-vault");
  auto sponsored = parsed(v::kStxSponsored);
  EXPECT_TRUE(sponsored.sponsored);
  EXPECT_EQ(sponsored.origin, v::kTestnetSender);  // the payer, not the sponsor
  EXPECT_EQ(sponsored.origin_nonce, 9u);
}

TEST(StacksTransaction, RefusesEveryTruncationAndTrailingBytes) {
  for (auto hex : {v::kStxTestnet, v::kSbtcMainnetPostCondition, v::kStxSponsored}) {
    const std::string bytes = hex_decode(hex).value();
    for (size_t n = 0; n < bytes.size(); ++n)
      EXPECT_TRUE(std::holds_alternative<std::string>(parse_stacks_transaction(bytes.substr(0, n)))) << n;
    auto trailing = parse_stacks_transaction(bytes + '\0');
    ASSERT_TRUE(std::holds_alternative<std::string>(trailing));
    EXPECT_EQ(std::get<std::string>(trailing), "the transaction has bytes after its payload");
  }
}

TEST(StacksTransaction, AddressesAreC32check) {
  // The payees above were derived by @stacks/transactions from keys; their hash160 round-trips.
  auto stx = parsed(v::kStxTestnet);
  EXPECT_EQ(stx.recipient, kStxPayee);
  EXPECT_EQ(stacks_address(22, std::string(20, '\0')), "SP000000000000000000002Q6VF78");  // the well-known burn address
}

TEST(StacksScheme, IdentityIsTheOriginAndItsNonce) {
  EXPECT_EQ(identity_of(stacks(v::kStxTestnet), testnet_stx()),
            std::string("stacks:") + kTestnet + ":" + std::string(v::kTestnetSender) + ":7");
  EXPECT_EQ(identity_of(stacks(v::kSbtcMainnet, "stacks:1"), mainnet_sbtc()),
            "stacks:stacks:1:" + std::string(v::kMainnetSender) + ":42");
}

TEST(StacksScheme, AReplacementOfTheSameNonceIsTheSamePayment) {
  // A re-signed transaction with a higher fee and another memo has another txid, yet only one of
  // the two can ever confirm: the gateway must not serve both.
  EXPECT_NE(v::kStxTestnetTxid, v::kStxTestnetRbfTxid);
  EXPECT_EQ(identity_of(stacks(v::kStxTestnetRbf), testnet_stx()), identity_of(stacks(v::kStxTestnet), testnet_stx()));
  EXPECT_NE(identity_of(stacks(v::kStxTestnetNext), testnet_stx()), identity_of(stacks(v::kStxTestnet), testnet_stx()));
}

TEST(StacksScheme, SpellingsOfTheSameTransactionAreOnePayment) {
  const auto base = identity_of(stacks(v::kStxTestnet), testnet_stx());
  EXPECT_EQ(identity_of(stacks(upper(v::kStxTestnet)), testnet_stx()), base);
  EXPECT_EQ(identity_of(stacks("0x" + std::string(v::kStxTestnet)), testnet_stx()), base);
  EXPECT_EQ(identity_of(stacks(v::kStxTestnet, kTestnet, "signedTransaction"), testnet_stx()), base);
  auto both = stacks(v::kStxTestnet);
  both.document["payload"]["signedTransaction"] = upper(v::kStxTestnet);
  both.document["payload"]["memo"] = "ignored";
  EXPECT_EQ(identity_of(both, testnet_stx()), base);
  auto mainnet = testnet_stx();
  mainnet.network = "stacks:1";
  EXPECT_NE(identity_of(stacks(v::kStxTestnet), mainnet), base);
}

TEST(StacksScheme, MalformedPayloadsAreRejected) {
  auto r = testnet_stx();
  EXPECT_EQ(identity_of(payment_with(kTestnet, nlohmann::json::object()), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(stacks("0xzz"), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(stacks("808"), r), "rejected:invalid_payload");  // odd length
  EXPECT_EQ(identity_of(stacks(std::string(v::kStxTestnet).substr(0, 100)), r), "rejected:invalid_payload");
  // Two members that disagree: the facilitator might settle either, so neither is trusted.
  auto conflicting = stacks(v::kStxTestnet);
  conflicting.document["payload"]["signedTransaction"] = std::string(v::kStxTestnetNext);
  EXPECT_EQ(identity_of(conflicting, r), "rejected:invalid_payload");
}

TEST(StacksScheme, PrecheckStxTransfer) {
  EXPECT_EQ(precheck_of(stacks(v::kStxTestnet), testnet_stx()), "ok");
  EXPECT_EQ(precheck_of(stacks(v::kStxTestnet), testnet_stx("999999")), "ok");  // at least the price, per the spec
  EXPECT_EQ(precheck_of(stacks(v::kStxTestnet), testnet_stx("1000001")), "payment_amount_mismatch");
  auto other_payee = testnet_stx();
  other_payee.pay_to = std::string(v::kTestnetSender);
  EXPECT_EQ(precheck_of(stacks(v::kStxTestnet), other_payee), "payment_recipient_mismatch");
  auto mainnet = testnet_stx();
  mainnet.network = "stacks:1";
  EXPECT_EQ(precheck_of(stacks(v::kStxTestnet), mainnet), "payment_network_mismatch");
  auto sbtc = testnet_stx();
  sbtc.asset = "ST1F7QA2MDF17S807EPA36TSS8AMEFY4KA9TVGWXT.sbtc-token";
  EXPECT_EQ(precheck_of(stacks(v::kStxTestnet), sbtc), "payment_asset_mismatch");
  EXPECT_EQ(precheck_of(stacks("00"), testnet_stx()), "invalid_payload");
}

TEST(StacksScheme, PrecheckSip010Transfer) {
  EXPECT_EQ(precheck_of(stacks(v::kSbtcMainnet, "stacks:1"), mainnet_sbtc()), "ok");
  auto with_token_name = mainnet_sbtc();
  with_token_name.asset += "::sbtc-token";
  EXPECT_EQ(precheck_of(stacks(v::kSbtcMainnet, "stacks:1"), with_token_name), "ok");
  EXPECT_EQ(precheck_of(stacks(v::kSbtcMainnet, "stacks:1"), mainnet_sbtc("2501")), "payment_amount_mismatch");
  auto stx = mainnet_sbtc();
  stx.asset = "STX";
  EXPECT_EQ(precheck_of(stacks(v::kSbtcMainnet, "stacks:1"), stx), "payment_asset_mismatch");
  auto other_token = mainnet_sbtc();
  other_token.asset = "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.other-token";
  EXPECT_EQ(precheck_of(stacks(v::kSbtcMainnet, "stacks:1"), other_token), "payment_asset_mismatch");
  auto vault = mainnet_sbtc();
  EXPECT_EQ(precheck_of(stacks(v::kSbtcMainnetPostCondition, "stacks:1"), vault), "payment_recipient_mismatch");
  vault.pay_to += ".my-vault";
  EXPECT_EQ(precheck_of(stacks(v::kSbtcMainnetPostCondition, "stacks:1"), vault), "ok");
}

TEST(StacksScheme, PayerIsTheOrigin) {
  EXPECT_EQ(scheme_for(testnet_stx()).payer(stacks(v::kStxSponsored)), v::kTestnetSender);
  EXPECT_EQ(scheme_for(mainnet_sbtc()).payer(stacks(v::kSbtcMainnet, "stacks:1")), v::kMainnetSender);
}
