// A priced route on a mainnet whose first facilitator is the public x402.org one (which settles
// testnets only) takes no money: --check says so offline, with the route's line.
#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace x402gw::config {
namespace {

LoadResult load(const std::string& network, const std::string& chain) {
  const std::string text = R"(upstreams:
  api: { url: "http://127.0.0.1:3000" }
facilitators:
  public: { url: "https://x402.org/facilitator" }
  cdp: { url: "https://api.cdp.coinbase.com/platform/v2/x402" }
payment:
  pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
  network: )" + network + R"(
  facilitator: )" + chain + R"(
routes:
  - { match: "GET /health" }
  - { match: "GET /api/search", name: search, price: "$0.002" }
)";
  return load_config_text(text, "test.yaml", [](const std::string&) { return std::nullopt; });
}

size_t testnet_warnings(const LoadResult& r) {
  size_t n = 0;
  for (const auto& w : r.warnings) n += w.message.find("settles testnets only") != std::string::npos;
  return n;
}

TEST(TestnetFacilitators, AMainnetRouteOnTheTestnetFacilitatorIsWarnedAtItsLine) {
  const LoadResult r = load("base", "public");
  ASSERT_TRUE(r.config) << r.report();
  ASSERT_EQ(testnet_warnings(r), 1u) << r.report();
  const auto& w = r.warnings.back();
  EXPECT_EQ(w.line, 12);
  EXPECT_NE(w.message.find("route 'search' sells on eip155:8453 (Base mainnet)"), std::string::npos) << w.message;
  EXPECT_NE(w.message.find("facilitator 'public' (https://x402.org/facilitator)"), std::string::npos) << w.message;
  EXPECT_NE(w.message.find("takes no money"), std::string::npos) << w.message;
}

TEST(TestnetFacilitators, FirstInTheChainDecides) {
  // Payments go to the first facilitator that answers: a refusal there is not failed over.
  EXPECT_EQ(testnet_warnings(load("base", "[public, cdp]")), 1u);
  EXPECT_EQ(testnet_warnings(load("base", "[cdp, public]")), 0u);
  EXPECT_EQ(testnet_warnings(load("base", "cdp")), 0u);
}

TEST(TestnetFacilitators, TestnetsAndUnknownNetworksAreNotWarned) {
  EXPECT_EQ(testnet_warnings(load("base-sepolia", "public")), 0u);
  EXPECT_EQ(testnet_warnings(load("\"eip155:999999\"", "public")), 0u);  // cannot tell: --check --online asks
}

}  // namespace
}  // namespace x402gw::config
