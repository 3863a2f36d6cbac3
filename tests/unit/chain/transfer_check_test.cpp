// The pay-then-prove receipt check, on receipts shaped as anvil's eth_getTransactionReceipt answers.
#include "chain/transfer_check.hpp"

#include <gtest/gtest.h>

using namespace x402gw::chain;

namespace {

const std::string kTransfer = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
const std::string kToken = "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913";
const std::string kPayTo = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const std::string kPayer = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";

std::string topic(const std::string& address) { return "0x" + std::string(24, '0') + address.substr(2); }
std::string word(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return "0x" + std::string(48, '0') + buf;
}

nlohmann::json transfer_log(const std::string& token, const std::string& to, const std::string& data) {
  return {{"address", token}, {"topics", {kTransfer, topic(kPayer), topic(to)}}, {"data", data}};
}

nlohmann::json receipt(nlohmann::json logs, const char* status = "0x1", const char* block = "0x64") {
  return {{"status", status}, {"blockNumber", block}, {"logs", std::move(logs)}, {"transactionHash", "0x00"}};
}

EvmReceipt parsed(const nlohmann::json& j) {
  auto r = parse_receipt(j);
  EXPECT_TRUE(std::holds_alternative<EvmReceipt>(r));
  return std::holds_alternative<EvmReceipt>(r) ? std::get<EvmReceipt>(r) : EvmReceipt{};
}

const ExpectedTransfer kExpected{"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "10000"};

ProofRefusal verdict_of(const nlohmann::json& j, ProofPolicy policy = {}, uint64_t head = 100, uint64_t ts = 1000,
                        uint64_t now = 1010) {
  return check_transfer(parsed(j), kExpected, policy, head, ts, now).refusal;
}

}  // namespace

TEST(TransferCheck, AcceptsAnExactTransferToPayToAndNamesPayerAndAmount) {
  auto v = check_transfer(parsed(receipt({transfer_log(kToken, kPayTo, word(10000))})), kExpected, {}, 100, 1000, 1010);
  EXPECT_EQ(v.refusal, ProofRefusal::none) << v.message;
  EXPECT_EQ(v.payer, kPayer);
  EXPECT_EQ(v.amount, "10000");
  // More than the price is a payment too; other logs around it do not matter.
  auto more = receipt({{{"address", kToken}, {"topics", {"0x" + std::string(64, '1')}}, {"data", "0x"}},
                       transfer_log(kToken, kPayTo, word(25000))});
  EXPECT_EQ(verdict_of(more), ProofRefusal::none);
}

TEST(TransferCheck, EveryRefusalHasItsReason) {
  EXPECT_EQ(check_transfer(std::nullopt, kExpected, {}, 100, 0, 0).refusal, ProofRefusal::not_found);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, word(10000))}, "0x0")), ProofRefusal::reverted);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, word(9999))})), ProofRefusal::too_small);
  EXPECT_EQ(verdict_of(receipt({transfer_log("0x036cbd53842c5426634e7929541ec2318f3dcf7e", kPayTo, word(10000))})),
            ProofRefusal::wrong_token);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayer, word(10000))})), ProofRefusal::wrong_recipient);
  EXPECT_EQ(verdict_of(receipt(nlohmann::json::array())), ProofRefusal::wrong_token);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, word(10000))}), {3, 0}, 101), ProofRefusal::not_confirmed);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, word(10000))}), {3, 0}, 102), ProofRefusal::none);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, word(10000))}), {1, 60}, 100, 1000, 1061), ProofRefusal::too_old);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, word(10000))}), {1, 60}, 100, 1000, 1060), ProofRefusal::none);
  EXPECT_EQ(refusal_code(ProofRefusal::too_small), "proof_amount_too_small");
  EXPECT_EQ(refusal_code(ProofRefusal::not_found), "proof_not_found");
}

TEST(TransferCheck, AmountsBeyond64BitsCompareAsNumbers) {
  std::string huge = "0x" + std::string(63, '0') + "1";
  huge[2] = '1';  // 2^252 + 1
  auto v = check_transfer(parsed(receipt({transfer_log(kToken, kPayTo, huge)})), kExpected, {}, 100, 0, 0);
  EXPECT_EQ(v.refusal, ProofRefusal::none);
  EXPECT_EQ(v.amount.size(), 76u);  // 2^252 has 76 decimal digits
  ExpectedTransfer big = kExpected;
  big.min_amount = "340282366920938463463374607431768211456";  // 2^128
  EXPECT_EQ(check_transfer(parsed(receipt({transfer_log(kToken, kPayTo, word(UINT64_MAX))})), big, {}, 100, 0, 0).refusal,
            ProofRefusal::too_small);
}

TEST(TransferCheck, MalformedLogsAreSkippedNotTrusted) {
  // A topic whose address padding is not zero, or data that is not one word, is no Transfer.
  auto bad_topic = transfer_log(kToken, kPayTo, word(10000));
  bad_topic["topics"][2] = "0x" + std::string(23, '0') + "1" + kPayTo.substr(2);
  EXPECT_EQ(verdict_of(receipt({bad_topic})), ProofRefusal::wrong_token);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, "0x2710")})), ProofRefusal::wrong_token);
}

TEST(TransferCheck, ParsesReceiptsAndRefusesMalformedOnes) {
  EXPECT_TRUE(std::holds_alternative<std::nullopt_t>(parse_receipt(nullptr)));
  for (const auto& bad : {nlohmann::json::array(), nlohmann::json({{"blockNumber", "0x1"}, {"logs", nlohmann::json::array()}}),
                          nlohmann::json({{"status", "0x2"}, {"blockNumber", "0x1"}, {"logs", nlohmann::json::array()}}),
                          nlohmann::json({{"status", "0x1"}, {"logs", nlohmann::json::array()}}),
                          nlohmann::json({{"status", "0x1"}, {"blockNumber", "0x1"}}),
                          nlohmann::json({{"status", "0x1"}, {"blockNumber", "0x1"}, {"logs", {1}}})})
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_receipt(bad))) << bad.dump();
  EXPECT_EQ(parse_quantity("0x1b4"), 436u);
  EXPECT_EQ(parse_quantity("0X1B4"), 436u);
  EXPECT_FALSE(parse_quantity("0x"));
  EXPECT_FALSE(parse_quantity("1b4"));
  EXPECT_FALSE(parse_quantity(436));
  EXPECT_FALSE(parse_quantity("0x" + std::string(17, 'f')));
}

// A route may price one network several ways (two tokens, two recipients): a transfer paying any
// of them pays, and the verdict names which.
TEST(TransferCheck, AnyOfTheRoutesRequirementsOnTheNetworkPays) {
  const std::string other_pay_to = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";
  const std::vector<ExpectedTransfer> expected = {kExpected, ExpectedTransfer{kToken, other_pay_to, "5000"}};
  auto second = check_transfer(parsed(receipt({transfer_log(kToken, other_pay_to, word(5000))})), expected, {}, 100, 1000, 1010);
  EXPECT_EQ(second.refusal, ProofRefusal::none) << second.message;
  EXPECT_EQ(second.matched, 1u);
  auto first = check_transfer(parsed(receipt({transfer_log(kToken, kPayTo, word(10000))})), expected, {}, 100, 1000, 1010);
  EXPECT_EQ(first.refusal, ProofRefusal::none);
  EXPECT_EQ(first.matched, 0u);
  // Paying neither: the nearest miss is named (too small beats a wrong recipient).
  auto neither = check_transfer(parsed(receipt({transfer_log(kToken, other_pay_to, word(4999))})), expected, {}, 100, 1000, 1010);
  EXPECT_EQ(neither.refusal, ProofRefusal::too_small);
  EXPECT_EQ(check_transfer(parsed(receipt({transfer_log(kToken, kPayer, word(10000))})), expected, {}, 100, 1000, 1010).refusal,
            ProofRefusal::wrong_recipient);
  EXPECT_EQ(check_transfer(parsed(receipt({transfer_log(kToken, kPayTo, word(10000))})), std::vector<ExpectedTransfer>{}, {}, 100, 1000, 1010).refusal,
            ProofRefusal::wrong_token);
}

// Only a refusal that no route could overturn may be remembered for everyone; the others depend on
// what the route asks, so an observer presenting a buyer's hash at a dearer route must not spoil it.
TEST(TransferCheck, OnlyReversionAndAgeHoldForEveryRoute) {
  EXPECT_TRUE(holds_for_every_route(ProofRefusal::reverted));
  EXPECT_TRUE(holds_for_every_route(ProofRefusal::too_old));
  for (ProofRefusal r : {ProofRefusal::none, ProofRefusal::not_found, ProofRefusal::too_small, ProofRefusal::wrong_token,
                         ProofRefusal::wrong_recipient, ProofRefusal::not_confirmed})
    EXPECT_FALSE(holds_for_every_route(r)) << refusal_code(r);
  // Too old is found before what the route asks: the refusal then holds for every route.
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, word(1))}), {1, 60}, 100, 1000, 1061), ProofRefusal::too_old);
  EXPECT_EQ(verdict_of(receipt({transfer_log(kToken, kPayTo, word(1))}), {1, 60}, 100, 1000, 1060), ProofRefusal::too_small);
}

// What pay_to was paid is what it kept of the token in this transaction: a transfer it made to
// itself paid nothing, and one it sent straight back (a round trip through pay_to) neither.
TEST(TransferCheck, WhatPayToSendsOutOfTheSameTransactionDoesNotPay) {
  auto from = [](const std::string& sender, const std::string& to, uint64_t v) {
    return nlohmann::json{{"address", kToken}, {"topics", {kTransfer, topic(sender), topic(to)}}, {"data", word(v)}};
  };
  auto self = check_transfer(parsed(receipt({from(kPayTo, kPayTo, 10000)})), kExpected, {}, 100, 1000, 1010);
  EXPECT_EQ(self.refusal, ProofRefusal::too_small) << self.message;
  auto round_trip = check_transfer(parsed(receipt({from(kPayer, kPayTo, 10000), from(kPayTo, kPayer, 10000)})), kExpected, {}, 100, 1000, 1010);
  EXPECT_EQ(round_trip.refusal, ProofRefusal::too_small) << round_trip.message;
  // Part of it sent back: what is left must still cover the price.
  EXPECT_EQ(verdict_of(receipt({from(kPayer, kPayTo, 15000), from(kPayTo, kPayer, 5001)})), ProofRefusal::too_small);
  EXPECT_EQ(verdict_of(receipt({from(kPayer, kPayTo, 15000), from(kPayTo, kPayer, 5000)})), ProofRefusal::none);
  // Another token leaving pay_to does not count against this one.
  auto other_token = from(kPayTo, kPayer, 10000);
  other_token["address"] = "0x036cbd53842c5426634e7929541ec2318f3dcf7e";
  EXPECT_EQ(verdict_of(receipt({from(kPayer, kPayTo, 10000), other_token})), ProofRefusal::none);
}

// The receipt's own transactionHash is read (lowercased), so the caller can check the node
// answered for the transaction it was asked about.
TEST(TransferCheck, ReadsTheTransactionTheReceiptNames) {
  auto j = receipt(nlohmann::json::array());
  j["transactionHash"] = "0xAB" + std::string(62, 'c');
  EXPECT_EQ(parsed(j).transaction_hash, "0xab" + std::string(62, 'c'));
  j.erase("transactionHash");
  EXPECT_EQ(parsed(j).transaction_hash, "");
}
