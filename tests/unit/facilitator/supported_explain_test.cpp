// Why a facilitator's /supported lacks a route's way to pay, in words an operator acts on.
#include "facilitator/supported_explain.hpp"

#include <gtest/gtest.h>

namespace x402gw::facilitator {
namespace {

std::vector<x402::SupportedKind> kinds(std::initializer_list<std::tuple<int, const char*, const char*>> list) {
  std::vector<x402::SupportedKind> out;
  for (const auto& [version, scheme, network] : list) out.push_back(x402::SupportedKind{version, scheme, network, {}, {}});
  return out;
}

x402::Requirement on(const char* network, const char* v1 = "") {
  x402::Requirement r;
  r.network = network;
  r.v1_network = v1;
  return r;
}

TEST(SupportedExplain, AMainnetOnATestnetsOnlyFacilitator) {
  // v1 and v2 names of one network are listed once, by CAIP-2 id.
  const auto why = explain_shortfall(kinds({{2, "exact", "eip155:84532"}, {1, "exact", "base-sepolia"},
                                            {2, "exact", "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"}}),
                                     on("eip155:8453", "base"));
  EXPECT_TRUE(why.testnets_only);
  EXPECT_EQ(why.text, "settles testnets only (its /supported lists eip155:84532 (Base Sepolia), "
                      "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1 (Solana devnet))");
}

TEST(SupportedExplain, ATestnetOnAMainnetsOnlyFacilitator) {
  const auto why = explain_shortfall(kinds({{2, "exact", "eip155:8453"}}), on("eip155:84532"));
  EXPECT_FALSE(why.testnets_only);
  EXPECT_EQ(why.text, "settles mainnets only (its /supported lists eip155:8453 (Base mainnet))");
}

TEST(SupportedExplain, AnotherNetworkOfTheSameKind) {
  const auto why = explain_shortfall(kinds({{2, "exact", "eip155:137"}, {2, "exact", "eip155:84532"}}), on("eip155:8453"));
  EXPECT_FALSE(why.testnets_only);  // it settles a mainnet too: not "testnets only"
  EXPECT_EQ(why.text, "does not list that network (its /supported lists eip155:137 (Polygon mainnet), eip155:84532 (Base Sepolia))");
}

TEST(SupportedExplain, TheNetworkUnderAnotherSchemeOrVersion) {
  EXPECT_EQ(explain_shortfall(kinds({{2, "upto", "eip155:8453"}}), on("eip155:8453")).text,
            "lists eip155:8453 only with scheme upto, not exact");
  // Listed for v1 only while the requirement has no v1 name: the other version.
  EXPECT_EQ(explain_shortfall(kinds({{1, "exact", "base"}}), on("eip155:8453")).text,
            "lists eip155:8453 with scheme exact only for the other x402 version");
}

TEST(SupportedExplain, NothingListedAndLongLists) {
  EXPECT_EQ(explain_shortfall({}, on("eip155:8453")).text, "lists no payment kinds in /supported");
  const auto why = explain_shortfall(kinds({{2, "exact", "eip155:1"}, {2, "exact", "eip155:10"}, {2, "exact", "eip155:137"},
                                            {2, "exact", "eip155:42161"}, {2, "exact", "eip155:480"},
                                            {2, "exact", "eip155:43114"}, {2, "exact", "eip155:1329"}, {2, "exact", "eip155:4689"}}),
                                     on("eip155:8453"));
  EXPECT_NE(why.text.find(" and 2 more)"), std::string::npos) << why.text;
}

}  // namespace
}  // namespace x402gw::facilitator
