// The chain evidence of an upto (Permit2) payment: the /settle body read, Permit2's nonceBitmap
// call and bit, the Transfer logs of the settled amount, and the upto proxy's settle call. The ABI
// vectors were made with viem (encodeFunctionData, toFunctionSelector) from @x402/evm 2.27's ABI.
#include "chain/permit2_evidence.hpp"

#include <gtest/gtest.h>

using namespace x402gw::chain;

namespace {

const char* kOwner = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const char* kPayTo = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const char* kToken = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";

nlohmann::json settle_body(const std::string& amount = "21300", const std::string& nonce = "4242") {
  return {{"x402Version", 2},
          {"paymentPayload",
           {{"x402Version", 2},
            {"payload",
             {{"signature", "0x" + std::string(130, 'c')},
              {"permit2Authorization",
               {{"from", kOwner},
                {"permitted", {{"token", kToken}, {"amount", "100000"}}},
                {"spender", "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002"},
                {"nonce", nonce},
                {"deadline", "9999999999"},
                {"witness", {{"to", kPayTo}, {"facilitator", "0x90F79bf6EB2c4f870365E785982E1f101E93b906"}, {"validAfter", "0"}}}}}}}}},
          {"paymentRequirements",
           {{"scheme", "upto"}, {"network", "eip155:84532"}, {"amount", amount}, {"asset", kToken}, {"payTo", kPayTo}, {"maxTimeoutSeconds", 60}}}};
}

// viem: encodeFunctionData(settle, [{permitted:{token, amount:100000n}, nonce:4242n, deadline:9999999999n},
//   21300n, owner, {to: payTo, facilitator, validAfter:0n}, 0xcc..cc (65 bytes)])
const std::string kSettleInput =
    "0xff11e7b4000000000000000000000000036cbd53842c5426634e7929541ec2318f3dcf7e00000000000000000000000000000000000000000000000000000000000186a0"
    "0000000000000000000000000000000000000000000000000000000000001092"
    "00000000000000000000000000000000000000000000000000000002540be3ff"
    "0000000000000000000000000000000000000000000000000000000000005334"
    "0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc"
    "00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
    "00000000000000000000000090f79bf6eb2c4f870365e785982e1f101e93b906"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000140"
    "0000000000000000000000000000000000000000000000000000000000000041"
    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc00000000000000000000000000000000000000000000000000000000000000";

}  // namespace

TEST(Permit2Evidence, ReadsTheUptoSettleBody) {
  auto p = permit2_of_settle_body(settle_body());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->owner, "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  EXPECT_EQ(p->token, "0x036cbd53842c5426634e7929541ec2318f3dcf7e");
  EXPECT_EQ(p->pay_to, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  EXPECT_EQ(p->nonce, "0x" + std::string(60, '0') + "1092");
  EXPECT_EQ(p->amount, "21300");  // the charge, not the maximum
  // Only upto bodies: an exact body, or a malformed nonce, is none.
  auto exact = settle_body();
  exact["paymentRequirements"]["scheme"] = "exact";
  EXPECT_FALSE(permit2_of_settle_body(exact));
  EXPECT_FALSE(permit2_of_settle_body(settle_body("21300", "0x12")));
  EXPECT_FALSE(permit2_of_settle_body(settle_body("-1")));
}

TEST(Permit2Evidence, Uint256Hex) {
  EXPECT_EQ(uint256_hex("0"), "0x" + std::string(64, '0'));
  EXPECT_EQ(uint256_hex("255"), "0x" + std::string(62, '0') + "ff");
  EXPECT_EQ(uint256_hex("115792089237316195423570985008687907853269984665640564039457584007913129639935"), "0x" + std::string(64, 'f'));
  EXPECT_FALSE(uint256_hex("115792089237316195423570985008687907853269984665640564039457584007913129639936"));
  EXPECT_FALSE(uint256_hex("1a"));
  EXPECT_FALSE(uint256_hex(""));
}

TEST(Permit2Evidence, NonceBitmapCallAndBit) {
  // nonce 0x1092: wordPos 0x10, bit 0x92 = 146.
  const auto p = *permit2_of_settle_body(settle_body());
  const auto params = nonce_bitmap_params(p);
  EXPECT_EQ(params[0]["to"], std::string(kPermit2));
  EXPECT_EQ(params[0]["data"], "0x4fe02b44" + std::string(24, '0') + "3c44cdddb6a900fa2b585dd299e03d12fa4293bc" + std::string(62, '0') + "10");
  EXPECT_EQ(params[1], "latest");
  // Bit 146 is in hex digit 63 - 36 = 27 (from the left), value 1 << 2 = 4.
  std::string word(64, '0');
  EXPECT_EQ(nonce_used("0x" + word, p), false);
  word[27] = '4';
  EXPECT_EQ(nonce_used("0x" + word, p), true);
  word[27] = 'b';  // 1011: bit 2 clear
  EXPECT_EQ(nonce_used("0x" + word, p), false);
  EXPECT_FALSE(nonce_used("0x12", p));
  EXPECT_FALSE(nonce_used(nlohmann::json(5), p));
}

TEST(Permit2Evidence, TransfersOfExactlyTheSettledAmount) {
  const auto p = *permit2_of_settle_body(settle_body());
  const auto params = permit2_transfer_logs_params(p, 0x10);
  EXPECT_EQ(params[0]["fromBlock"], "0x10");
  EXPECT_EQ(params[0]["topics"][0], "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
  auto log = [&](const std::string& amount_word, const std::string& tx) {
    return nlohmann::json{{"address", kToken},
                          {"topics", {"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
                                      "0x000000000000000000000000" + std::string("3c44cdddb6a900fa2b585dd299e03d12fa4293bc"),
                                      "0x000000000000000000000000" + std::string("70997970c51812dc3a010c7d01b50e0d17dc79c8")}},
                          {"data", "0x" + amount_word},
                          {"transactionHash", tx}};
  };
  const std::string exact = std::string(60, '0') + "5334", other = std::string(60, '0') + "5335";
  auto found = transfers_of_amount(nlohmann::json::array({log(other, "0xaa"), log(exact, "0xBB")}), p);
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(found));
  EXPECT_EQ(std::get<std::vector<std::string>>(found), std::vector<std::string>{"0xbb"});
  EXPECT_TRUE(std::holds_alternative<std::string>(transfers_of_amount(nlohmann::json::object(), p)));
}

TEST(Permit2Evidence, TheUptoProxysSettleOfThisNonce) {
  const auto p = *permit2_of_settle_body(settle_body());
  const nlohmann::json tx = {{"to", "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002"}, {"input", kSettleInput}};
  EXPECT_TRUE(settles_permit2(tx, p));
  auto changed = tx;
  changed["to"] = "0x" + std::string(40, '1');
  EXPECT_FALSE(settles_permit2(changed, p));  // not the upto proxy
  EXPECT_FALSE(settles_permit2(tx, *permit2_of_settle_body(settle_body("21300", "4243"))));  // another nonce
  EXPECT_FALSE(settles_permit2(tx, *permit2_of_settle_body(settle_body("21301"))));          // another amount
  changed = tx;
  changed["input"] = "0xdeadbeef" + kSettleInput.substr(10);
  EXPECT_FALSE(settles_permit2(changed, p));  // another function
  changed["input"] = kSettleInput.substr(0, 100);
  EXPECT_FALSE(settles_permit2(changed, p));  // cut short
}
