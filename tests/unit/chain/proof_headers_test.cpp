// Pay-then-prove request headers and 402 hints.
#include "chain/proof_headers.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <vector>

using namespace x402gw::chain;

namespace {
const std::string kHash = "0x" + std::string(62, 'a') + "B1";
const std::string kLower = "0x" + std::string(62, 'a') + "b1";
}  // namespace

TEST(ProofHeaders, NeitherHeaderIsNoProof) { EXPECT_FALSE(parse_proof_headers(std::nullopt, std::nullopt)); }

TEST(ProofHeaders, ReadsTheJsonProofAndLowersTheHash) {
  std::string json = R"({"txHash":")" + kHash + R"(","network":"base","token":"USDC","amount":"0.01"})";
  auto p = parse_proof_headers(json, std::nullopt);
  ASSERT_TRUE(p);
  ASSERT_TRUE(std::holds_alternative<TransferProof>(*p)) << std::get<std::string>(*p);
  const auto& proof = std::get<TransferProof>(*p);
  EXPECT_EQ(proof.tx_hash, kLower);
  EXPECT_EQ(proof.network, "base");
  EXPECT_EQ(proof.token, "USDC");
  EXPECT_EQ(proof.amount, "0.01");
}

TEST(ProofHeaders, TheJsonProofWinsOverTheBareHash) {
  std::string json = R"({"txHash":")" + kLower + R"("})";
  auto p = parse_proof_headers(json, "0x" + std::string(64, '0'));
  ASSERT_TRUE(p && std::holds_alternative<TransferProof>(*p));
  EXPECT_EQ(std::get<TransferProof>(*p).tx_hash, kLower);
}

TEST(ProofHeaders, ReadsTheBareHashTrimmed) {
  auto p = parse_proof_headers(std::nullopt, " " + kHash + "\t");
  ASSERT_TRUE(p && std::holds_alternative<TransferProof>(*p));
  EXPECT_EQ(std::get<TransferProof>(*p).tx_hash, kLower);
}

TEST(ProofHeaders, MalformedProofsSayWhy) {
  for (const std::string& bad : std::vector<std::string>{"not json", "[]", R"({"txHash":"0x12"})", R"({"txHash":1})",
                          R"({"txHash":"0xzz)" + std::string(62, '0') + "\"}"}) {
    auto p = parse_proof_headers(bad, std::nullopt);
    ASSERT_TRUE(p) << bad;
    EXPECT_TRUE(std::holds_alternative<std::string>(*p)) << bad;
  }
  for (const std::string& bad : std::vector<std::string>{"", "0x", kHash + "0", kHash.substr(2), "1x" + kHash.substr(2)}) {
    auto p = parse_proof_headers(std::nullopt, bad);
    ASSERT_TRUE(p) << bad;
    EXPECT_TRUE(std::holds_alternative<std::string>(*p)) << bad;
  }
}

TEST(ProofHeaders, HintsNameAmountReceiverNetworkTokenAndTheJsonForm) {
  auto h = hint_headers({"0.01", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "base",
                         "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "8453"});
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h[0], std::make_pair(std::string("X-402-Amount"), std::string("0.01")));
  EXPECT_EQ(h[1].first, "X-402-Receiver");
  EXPECT_EQ(h[2], std::make_pair(std::string("X-402-Network"), std::string("base")));
  EXPECT_EQ(h[3].first, "X-402-Token");
  EXPECT_EQ(h[4].first, "X-Payment");
  EXPECT_EQ(nlohmann::json::parse(h[4].second),
            nlohmann::json({{"amount", "0.01"}, {"token", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"}, {"chain", "8453"},
                            {"to", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"}}));
}
