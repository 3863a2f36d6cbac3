#include "x402/networks.hpp"

#include <gtest/gtest.h>

using namespace x402gw::x402;

TEST(Networks, V1NamesAndCaip2ResolveToTheSameNetwork) {
  auto by_name = resolve_network("base-sepolia");
  auto by_id = resolve_network("eip155:84532");
  ASSERT_TRUE(by_name && by_id);
  EXPECT_EQ(by_name->caip2, "eip155:84532");
  EXPECT_EQ(by_id->v1_name, "base-sepolia");
  ASSERT_NE(by_id->usd_asset(), nullptr);
  EXPECT_EQ(by_id->usd_asset()->address, "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
  EXPECT_EQ(by_id->usd_asset()->eip712->name, "USDC");
  EXPECT_EQ(by_id->usd_asset()->eip712->version, "2");
}

TEST(Networks, EveryV1ChainIdFromTheSpec) {
  const std::pair<const char*, const char*> expected[] = {
      {"base", "eip155:8453"},        {"base-sepolia", "eip155:84532"},      {"avalanche", "eip155:43114"},
      {"avalanche-fuji", "eip155:43113"}, {"polygon", "eip155:137"},         {"polygon-amoy", "eip155:80002"},
      {"sei", "eip155:1329"},         {"sei-testnet", "eip155:1328"},        {"iotex", "eip155:4689"},
      {"abstract", "eip155:2741"},    {"abstract-testnet", "eip155:11124"},  {"peaq", "eip155:3338"},
      {"story", "eip155:1514"},       {"educhain", "eip155:41923"},          {"skale-base-sepolia", "eip155:324705682"},
      {"solana", "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"},
      {"solana-devnet", "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"},
  };
  for (auto [name, id] : expected) {
    auto n = resolve_network(name);
    ASSERT_TRUE(n) << name;
    EXPECT_EQ(n->caip2, id) << name;
  }
}

TEST(Networks, MainnetUsdcHasUsdCoinDomain) {
  auto base = resolve_network("base");
  EXPECT_EQ(base->usd_asset()->eip712->name, "USD Coin");
  EXPECT_EQ(base->usd_asset()->decimals, 6);
}

TEST(Networks, StellarUsdcHasSevenDecimals) {
  auto n = resolve_network("stellar:testnet");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->family, Family::stellar);
  EXPECT_EQ(n->usd_asset()->decimals, 7);
  EXPECT_FALSE(n->usd_asset()->eip712);
}

TEST(Networks, StacksHasStxAndSbtcButNoDollar) {
  auto n = resolve_network("stacks:1");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->usd_asset(), nullptr);
  EXPECT_EQ(n->find_asset("stx")->decimals, 6);
  EXPECT_EQ(n->find_asset("sBTC")->decimals, 8);
  EXPECT_TRUE(resolve_network("stacks:2147483648"));
}

TEST(Networks, UnknownCaip2IsAcceptedWithoutAssets) {
  auto n = resolve_network("eip155:31337");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->family, Family::evm);
  EXPECT_TRUE(n->v1_name.empty());
  EXPECT_EQ(n->usd_asset(), nullptr);
}

TEST(Networks, RejectsNonsense) {
  EXPECT_FALSE(resolve_network("basee"));
  EXPECT_FALSE(resolve_network("eip155:abc"));
  EXPECT_FALSE(resolve_network("EIP155:1"));
  EXPECT_FALSE(resolve_network(":1"));
}
