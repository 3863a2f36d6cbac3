#include "x402/challenge.hpp"

#include <gtest/gtest.h>

#include "test_requirements.hpp"
#include "x402/base64.hpp"

using namespace x402gw::x402;
using namespace x402gw::x402::testing;

TEST(Challenge, V1BodyHasTheV1Shape) {
  auto c = build_challenge({base_sepolia_usdc()}, weather(), "Payment required");
  auto body = nlohmann::json::parse(c.body);
  EXPECT_EQ(body["x402Version"], 1);
  EXPECT_EQ(body["error"], "Payment required");
  ASSERT_EQ(body["accepts"].size(), 1u);
  const auto& a = body["accepts"][0];
  EXPECT_EQ(a["scheme"], "exact");
  EXPECT_EQ(a["network"], "base-sepolia");
  EXPECT_EQ(a["maxAmountRequired"], "10000");
  EXPECT_EQ(a["resource"], "http://gw.test/api/weather");
  EXPECT_EQ(a["description"], "Current weather");
  EXPECT_EQ(a["mimeType"], "application/json");
  EXPECT_EQ(a["payTo"], "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  EXPECT_EQ(a["maxTimeoutSeconds"], 60);
  EXPECT_EQ(a["asset"], "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
  EXPECT_EQ(a["extra"]["name"], "USDC");
  EXPECT_FALSE(a.contains("outputSchema"));
}

TEST(Challenge, V2HeaderIsBase64PaymentRequired) {
  auto c = build_challenge({base_sepolia_usdc()}, weather(), "Payment required");
  auto decoded = base64_decode(c.header_value);
  ASSERT_TRUE(decoded);
  auto doc = nlohmann::json::parse(*decoded);
  EXPECT_EQ(doc["x402Version"], 2);
  EXPECT_EQ(doc["resource"]["url"], "http://gw.test/api/weather");
  EXPECT_EQ(doc["resource"]["description"], "Current weather");
  ASSERT_EQ(doc["accepts"].size(), 1u);
  const auto& a = doc["accepts"][0];
  EXPECT_EQ(a["network"], "eip155:84532");
  EXPECT_EQ(a["amount"], "10000");
  EXPECT_EQ(a["payTo"], "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  EXPECT_EQ(a["maxTimeoutSeconds"], 60);
  EXPECT_EQ(a["extra"]["version"], "2");
  EXPECT_FALSE(a.contains("maxAmountRequired"));
}

TEST(Challenge, IsByteStableAcrossBuilds) {
  auto a = build_challenge({base_sepolia_usdc(), local_chain_token()}, weather(), "Payment required");
  auto b = build_challenge({base_sepolia_usdc(), local_chain_token()}, weather(), "Payment required");
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.header_value, b.header_value);
}

TEST(Challenge, NetworksWithoutV1NameOnlyInV2) {
  auto c = build_challenge({base_sepolia_usdc(), local_chain_token()}, weather(), "Payment required");
  EXPECT_EQ(nlohmann::json::parse(c.body)["accepts"].size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(*base64_decode(c.header_value))["accepts"].size(), 2u);
}

TEST(Challenge, OutputSchemaGoesIntoV1Entries) {
  auto resource = weather();
  resource.output_schema = {{"input", {{"type", "http"}, {"method", "GET"}}}};
  auto c = build_challenge({base_sepolia_usdc()}, resource, "Payment required");
  EXPECT_EQ(nlohmann::json::parse(c.body)["accepts"][0]["outputSchema"]["input"]["method"], "GET");
}
