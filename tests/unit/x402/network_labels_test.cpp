// Network labels: what an operator reads in --check --online ("eip155:8453 is Base mainnet").
#include "x402/network_labels.hpp"
#include "x402/networks.hpp"

#include <gtest/gtest.h>

namespace x402gw::x402 {
namespace {

TEST(NetworkLabels, KnownNetworksByCaip2AndByV1Name) {
  EXPECT_EQ(label_network("eip155:8453").name, "Base mainnet");
  EXPECT_EQ(label_network("eip155:8453").testnet, false);
  EXPECT_EQ(label_network("base").name, "Base mainnet");  // a v1 name resolves to its CAIP-2 id
  EXPECT_EQ(label_network("base-sepolia").name, "Base Sepolia");
  EXPECT_EQ(label_network("base-sepolia").testnet, true);
  EXPECT_EQ(label_network("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp").testnet, false);
  EXPECT_EQ(label_network("solana-devnet").testnet, true);
  EXPECT_EQ(label_network("stacks:2147483648").testnet, true);
  EXPECT_EQ(label_network("stellar:pubnet").testnet, false);
  EXPECT_EQ(label_network("eip155:42161").name, "Arbitrum One");  // not in the payment table, still named
}

TEST(NetworkLabels, UnknownNetworksAreGuessedFromTheirNameOrLeftOpen) {
  EXPECT_EQ(label_network("xlayer-testnet").testnet, true);
  EXPECT_EQ(label_network("skale-base-spolia").testnet, std::nullopt);  // no known word: cannot tell
  EXPECT_EQ(label_network("eip155:999999").testnet, std::nullopt);
  EXPECT_TRUE(label_network("eip155:999999").name.empty());
}

TEST(NetworkLabels, Describe) {
  EXPECT_EQ(describe_network("eip155:84532"), "eip155:84532 (Base Sepolia)");
  EXPECT_EQ(describe_network("eip155:999999"), "eip155:999999");
}

// Every network the gateway can price in has a label: a message never names a known network bare.
TEST(NetworkLabels, EveryKnownNetworkIsLabelled) {
  for (const auto& n : known_networks()) {
    EXPECT_FALSE(label_network(n.caip2).name.empty()) << n.caip2;
    EXPECT_TRUE(label_network(n.caip2).testnet.has_value()) << n.caip2;
  }
}

}  // namespace
}  // namespace x402gw::x402
