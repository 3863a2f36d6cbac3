#include "payment/proof_flow.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw;

namespace {
config::ConfigPtr load(const std::string& routes) {
  const std::string text =
      "upstreams: { api: \"http://127.0.0.1:3000\" }\n"
      "facilitators: { f: { url: \"http://127.0.0.1:4020\" } }\n"
      "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base }\n"
      "chains: { base: { rpc: \"http://127.0.0.1:8545\" } }\n"
      "routes:\n" + routes;
  auto r = config::load_config_text(text, "gateway.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(r.config) << r.report();
  return r.config;
}
}  // namespace

TEST(ProofHints, NameWhatToPayOnTheRoutesChain) {
  auto config = load("  - { match: /a, price: \"$0.25\", proof: tx_hash }\n");
  ASSERT_TRUE(config);
  const core::Headers hints = payment::proof_hints(*config, config->routes[0]);
  const core::Headers expected = {
      {"X-402-Amount", "0.25"},
      {"X-402-Receiver", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"},
      {"X-402-Network", "base"},
      {"X-402-Token", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"},
      {"X-Payment", R"({"amount":"0.25","chain":"8453","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","token":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"})"},
  };
  EXPECT_EQ(hints, expected);
}

TEST(ProofHints, TheEvmRequirementWithAChainOfSeveral) {
  auto config = load(
      "  - match: /a\n    proof: tx_hash\n    accepts:\n"
      "      - { network: \"stacks:1\", price: \"0.5 STX\", pay_to: \"SP2F0VC55JT6ND29YHF9VZE1Q5DM137VXQY93GPW5\" }\n"
      "      - { network: \"eip155:8453\", price: { amount: \"1500\", asset: USDC } }\n");
  ASSERT_TRUE(config);
  const core::Headers hints = payment::proof_hints(*config, config->routes[0]);
  ASSERT_EQ(hints.size(), 5u);
  EXPECT_EQ(hints[0].second, "0.0015");
  EXPECT_EQ(hints[2].second, "base");
}

TEST(ProofHints, NoneWithoutAChain) {
  auto config = load("  - { match: /a, price: \"$0.25\", network: base-sepolia }\n");
  ASSERT_TRUE(config);
  EXPECT_TRUE(payment::proof_hints(*config, config->routes[0]).empty());
}
