#include "chain/authorization_evidence.hpp"

#include <gtest/gtest.h>

namespace x402gw::chain {
namespace {

using nlohmann::json;

const std::string kToken = "0x036cbd53842c5426634e7929541ec2318f3dcf7e";
const std::string kFrom = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const std::string kPayTo = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const std::string kNonce = "0x" + std::string(62, '1') + "ab";
const std::string kUsed = "0x98de503528ee59b575ef0c0a2576a82497bfc029a5685b209e9ec333479b10a5";
const std::string kCanceled = "0x1cdd46ff242716cdaa72d159d339a485b3438398348d68f09d7c8c0a59353d81";
const std::string kTransfer = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
const std::string kTx = "0x" + std::string(64, 'c');

std::string pad(const std::string& address) { return "0x" + std::string(24, '0') + address.substr(2); }
std::string word(unsigned value) {
  char buf[67];
  std::snprintf(buf, sizeof buf, "0x%064x", value);
  return buf;
}

EvmAuthorization auth() { return {kToken, kFrom, kNonce, kPayTo, "10000"}; }

json settle_body(int version) {
  json requirements = {{"scheme", "exact"}, {"asset", "0x036CbD53842c5426634e7929541eC2318f3dCF7e"}, {"payTo", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"}};
  requirements[version == 2 ? "amount" : "maxAmountRequired"] = "10000";
  json authorization = {{"from", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"}, {"nonce", kNonce}, {"value", "10000"}};
  json payload = {{"signature", "0xaa"}, {"authorization", authorization}};
  json body = json::object();
  body["x402Version"] = version;
  body["paymentPayload"] = {{"payload", payload}};
  body["paymentRequirements"] = requirements;
  return body;
}

EvmLog used_log() { return {kToken, {kUsed, pad(kFrom), kNonce}, "0x"}; }
EvmLog transfer_log(const std::string& to, unsigned value, const std::string& token = kToken) {
  return {token, {kTransfer, pad(kFrom), pad(to)}, word(value)};
}

TEST(AuthorizationEvidence, ReadsTheAuthorizationOfASettleBody) {
  for (int version : {1, 2}) {
    auto a = authorization_of_settle_body(settle_body(version));
    ASSERT_TRUE(a) << version;
    EXPECT_EQ(a->token, kToken);
    EXPECT_EQ(a->from, kFrom);
    EXPECT_EQ(a->nonce, kNonce);
    EXPECT_EQ(a->pay_to, kPayTo);
    EXPECT_EQ(a->amount, "10000");
  }
  json permit2 = settle_body(2);
  permit2["paymentPayload"]["payload"].erase("authorization");
  EXPECT_FALSE(authorization_of_settle_body(permit2)) << "not an EIP-3009 payment";
  json bad = settle_body(2);
  bad["paymentPayload"]["payload"]["authorization"]["nonce"] = "0x12";
  EXPECT_FALSE(authorization_of_settle_body(bad));
  EXPECT_FALSE(authorization_of_settle_body(json::array()));
}

TEST(AuthorizationEvidence, AuthorizationStateCall) {
  const json params = authorization_state_params(auth());
  EXPECT_EQ(params[0]["to"], kToken);
  EXPECT_EQ(params[0]["data"], "0xe94a0102" + std::string(24, '0') + kFrom.substr(2) + kNonce.substr(2));
  EXPECT_EQ(params[1], "latest");
  EXPECT_EQ(parse_bool_word(word(1)), true);
  EXPECT_EQ(parse_bool_word(word(0)), false);
  EXPECT_EQ(parse_bool_word(word(2)), std::nullopt);
  EXPECT_EQ(parse_bool_word("0x"), std::nullopt);
  EXPECT_EQ(parse_bool_word(json(nullptr)), std::nullopt);
}

TEST(AuthorizationEvidence, LogsOfTheAuthorization) {
  const json params = authorization_logs_params(auth(), 255);
  EXPECT_EQ(params[0]["fromBlock"], "0xff");
  EXPECT_EQ(params[0]["topics"][1], pad(kFrom));
  const json result = json::array({
      {{"address", kToken}, {"topics", {kUsed, pad(kFrom), kNonce}}, {"transactionHash", kTx}},
      {{"address", kToken}, {"topics", {kCanceled, pad(kFrom), kNonce}}, {"transactionHash", "0x" + std::string(64, 'd')}},
      {{"address", "0x" + std::string(40, '9')}, {"topics", {kUsed, pad(kFrom), kNonce}}, {"transactionHash", kTx}},  // another token
      {{"address", kToken}, {"topics", {kUsed, pad(kPayTo), kNonce}}, {"transactionHash", kTx}},                        // another authorizer
  });
  auto logs = parse_authorization_logs(result, auth());
  ASSERT_TRUE(std::holds_alternative<std::vector<AuthorizationLog>>(logs));
  const auto& list = std::get<std::vector<AuthorizationLog>>(logs);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_FALSE(list[0].canceled);
  EXPECT_EQ(list[0].transaction, kTx);
  EXPECT_TRUE(list[1].canceled);
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_authorization_logs(json::object(), auth())));
}

TEST(AuthorizationEvidence, OnlyATransferOfThePriceToPayToUnderTheAuthorizationPays) {
  EvmReceipt paid{kTx, true, 10, {used_log(), transfer_log(kPayTo, 10000)}};
  EXPECT_TRUE(receipt_pays(paid, auth()));
  EvmReceipt more{kTx, true, 10, {used_log(), transfer_log(kPayTo, 20000)}};
  EXPECT_TRUE(receipt_pays(more, auth()));

  EvmReceipt self{kTx, true, 10, {used_log(), transfer_log(kFrom, 10000)}};
  EXPECT_FALSE(receipt_pays(self, auth())) << "the nonce spent on a transfer to the payer itself";
  EvmReceipt small{kTx, true, 10, {used_log(), transfer_log(kPayTo, 9999)}};
  EXPECT_FALSE(receipt_pays(small, auth()));
  EvmReceipt other_token{kTx, true, 10, {used_log(), transfer_log(kPayTo, 10000, "0x" + std::string(40, '9'))}};
  EXPECT_FALSE(receipt_pays(other_token, auth()));
  EvmReceipt no_authorization{kTx, true, 10, {transfer_log(kPayTo, 10000)}};
  EXPECT_FALSE(receipt_pays(no_authorization, auth())) << "a transfer that did not use this authorization";
  EvmReceipt canceled{kTx, true, 10, {{kToken, {kCanceled, pad(kFrom), kNonce}, "0x"}}};
  EXPECT_FALSE(receipt_pays(canceled, auth()));
  EvmReceipt reverted{kTx, false, 10, {used_log(), transfer_log(kPayTo, 10000)}};
  EXPECT_FALSE(receipt_pays(reverted, auth()));
}

}  // namespace
}  // namespace x402gw::chain
