#include "config/meter_reader.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw::config;

namespace {

LoadResult load(const std::string& text) {
  return load_config_text(text, "gateway.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

// A gateway on base-sepolia (USDC, 6 decimals) with one route whose lines start at line 5.
std::string with_route(const std::string& route_lines) {
  return "upstreams: { api: \"http://127.0.0.1:3000\" }\n"
         "facilitators: { f: { url: \"http://127.0.0.1:4020\" } }\n"
         "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base-sepolia }\n"
         "routes:\n" + route_lines;
}

// The one error a route produces: its line and its formatted text.
std::pair<int, std::string> only_error(const std::string& route_lines) {
  auto r = load(with_route(route_lines));
  EXPECT_EQ(r.errors.size(), 1u) << r.report();
  if (r.errors.empty()) return {0, ""};
  return {r.errors[0].line, r.errors[0].format("gateway.yaml")};
}

}  // namespace

TEST(MeterReader, ReadsTheThreeKinds) {
  auto r = load(with_route(
      "  - match: \"GET /files/*\"\n"
      "    scheme: upto\n"
      "    price: \"$1\"\n"
      "    meter: { bytes: 1KiB, price: \"$0.0001\" }\n"
      "  - match: \"POST /transcode\"\n"
      "    scheme: upto\n"
      "    price: \"$1\"\n"
      "    meter: { time: 1s, price: \"$0.001\" }\n"
      "  - match: \"POST /v1/chat/completions\"\n"
      "    scheme: upto\n"
      "    price: \"$0.50\"\n"
      "    meter:\n"
      "      json: usage.total_tokens\n"
      "      per: 1000\n"
      "      price: \"$0.002\"\n"
      "  - match: \"GET /fixed\"\n"
      "    price: \"$0.01\"\n"));
  ASSERT_TRUE(r.config) << r.report();
  const auto& routes = r.config->routes;
  EXPECT_EQ(routes[0].meter.kind, MeterSpec::Kind::bytes);
  EXPECT_EQ(routes[0].meter.per, 1024u);
  EXPECT_EQ(routes[0].meter.unit_price, std::vector<std::string>{"100"});
  EXPECT_EQ(routes[0].meter.line, 8);
  EXPECT_EQ(routes[1].meter.kind, MeterSpec::Kind::time);
  EXPECT_EQ(routes[1].meter.per, 1'000'000u);  // microseconds
  EXPECT_EQ(routes[1].meter.unit_price, std::vector<std::string>{"1000"});
  EXPECT_EQ(routes[2].meter.kind, MeterSpec::Kind::json);
  EXPECT_EQ(routes[2].meter.path, "usage.total_tokens");
  EXPECT_EQ(routes[2].meter.per, 1000u);
  EXPECT_EQ(routes[2].meter.unit_price, std::vector<std::string>{"2000"});
  EXPECT_EQ(routes[2].meter.price, "$0.002");
  EXPECT_FALSE(routes[3].meter.enabled());
}

TEST(MeterReader, AtomicAndSymbolPricesAndARouteWithExactBesideUpto) {
  auto r = load(with_route(
      "  - match: \"POST /v1/completions\"\n"
      "    accepts:\n"
      "      - { price: \"$0.01\" }\n"
      "      - { price: \"$0.50\", scheme: upto }\n"
      "    meter: { json: usage.total_tokens, price: { amount: \"3\" } }\n"
      "  - match: \"POST /v2\"\n"
      "    scheme: upto\n"
      "    price: \"1 USDC\"\n"
      "    meter: { json: n, price: \"0.001 USDC\" }\n"));
  ASSERT_TRUE(r.config) << r.report();
  // The exact requirement keeps its fixed price: no meter price for it.
  EXPECT_EQ(r.config->routes[0].meter.unit_price, (std::vector<std::string>{"", "3"}));
  EXPECT_EQ(r.config->routes[0].meter.per, 1u);
  EXPECT_EQ(r.config->routes[1].meter.unit_price, std::vector<std::string>{"1000"});
}

TEST(MeterReader, AnUnknownKeyIsReportedWithItsLine) {
  auto [line, text] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                                 "    meter: { bytes: 1KiB, price: \"$0.0001\", unit: bytes }\n");
  EXPECT_EQ(line, 8);
  EXPECT_NE(text.find("unit"), std::string::npos) << text;
}

TEST(MeterReader, TwoKindsOrNoneAreAMistake) {
  auto [line, text] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                                 "    meter: { bytes: 1KiB, time: 1s, price: \"$0.0001\" }\n");
  EXPECT_EQ(line, 8);
  EXPECT_NE(text.find("only one of bytes, time and json"), std::string::npos) << text;
  auto [line2, text2] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                                   "    meter: { price: \"$0.0001\" }\n");
  EXPECT_EQ(line2, 8);
  EXPECT_NE(text2.find("measures one thing"), std::string::npos) << text2;
}

TEST(MeterReader, BadUnitsAreReportedWithTheirLine) {
  auto [l1, t1] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                             "    meter:\n      bytes: 1 kilo\n      price: \"$0.0001\"\n");
  EXPECT_EQ(l1, 9);
  EXPECT_NE(t1.find("size"), std::string::npos) << t1;
  auto [l2, t2] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                             "    meter:\n      time: fortnight\n      price: \"$0.0001\"\n");
  EXPECT_EQ(l2, 9);
  EXPECT_NE(t2.find("duration"), std::string::npos) << t2;
  auto [l3, t3] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                             "    meter:\n      bytes: 1KiB\n      per: 10\n      price: \"$0.0001\"\n");
  EXPECT_EQ(l3, 10);
  EXPECT_NE(t3.find("per belongs to a json meter"), std::string::npos) << t3;
  auto [l4, t4] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                             "    meter:\n      json: usage..total\n      price: \"$0.0001\"\n");
  EXPECT_EQ(l4, 9);
  auto [l5, t5] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                             "    meter:\n      json: usage.total_tokens\n      per: 0\n      price: \"$0.0001\"\n");
  EXPECT_EQ(l5, 10);
}

TEST(MeterReader, AMeterNeedsAnUptoScheme) {
  auto [line, text] = only_error("  - match: \"GET /a\"\n    price: \"$1\"\n"
                                 "    meter: { bytes: 1KiB, price: \"$0.0001\" }\n");
  EXPECT_EQ(line, 7);
  EXPECT_NE(text.find("scheme: upto"), std::string::npos) << text;
}

TEST(MeterReader, AMeterNeedsSettleAfter) {
  auto [line, text] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    settlement: before\n    price: \"$1\"\n"
                                 "    meter: { bytes: 1KiB, price: \"$0.0001\" }\n");
  EXPECT_EQ(line, 7);  // the settlement line, reported once (by the route builder), not again for the meter
  EXPECT_NE(text.find("settlement: before cannot settle an upto"), std::string::npos) << text;
}

TEST(MeterReader, ThePriceMustBeInTheRoutesAsset) {
  // The route authorizes a token of its own; the meter says dollars.
  auto [line, text] = only_error(
      "  - match: \"GET /a\"\n    scheme: upto\n"
      "    price: { amount: \"1000000\", asset: \"0x5FbDB2315678afecb367f032d93F642f64180aa3\", eip712: { name: T, version: \"1\" } }\n"
      "    meter:\n      bytes: 1KiB\n      price: \"$0.0001\"\n");
  EXPECT_EQ(line, 10);
  EXPECT_NE(text.find("route's asset"), std::string::npos) << text;
  // A symbol the network does not have, or another asset's.
  auto [l2, t2] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                             "    meter: { bytes: 1KiB, price: \"0.1 STX\" }\n");
  EXPECT_EQ(l2, 8);
  EXPECT_NE(t2.find("route's asset"), std::string::npos) << t2;
}

TEST(MeterReader, APriceFinerThanTheAssetOrZeroIsAMistake) {
  auto [line, text] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                                 "    meter: { json: usage.total_tokens, price: \"$0.0000002\" }\n");
  EXPECT_EQ(line, 8);
  EXPECT_NE(text.find("per: 1000"), std::string::npos) << text;
  auto [l2, t2] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                             "    meter: { json: usage.total_tokens, price: \"$0\" }\n");
  EXPECT_EQ(l2, 8);
  auto [l3, t3] = only_error("  - match: \"GET /a\"\n    scheme: upto\n    price: \"$1\"\n"
                             "    meter: { json: usage.total_tokens }\n");
  EXPECT_EQ(l3, 8);
  EXPECT_NE(t3.find("needs price"), std::string::npos) << t3;
}

TEST(MeterReader, AMeterOnAFreeRouteIsAMistake) {
  auto [line, text] = only_error("  - match: \"GET /a\"\n    meter: { bytes: 1KiB, price: \"$0.0001\" }\n");
  EXPECT_EQ(line, 6);
  EXPECT_NE(text.find("free route"), std::string::npos) << text;
}

TEST(MeterReader, AnAtomicPriceIsAmbiguousOverUptoRequirementsInSeveralAssets) {
  // Dollars convert per requirement (each network's USDC); atomic units would mean two things.
  const std::string accepts =
      "  - match: \"GET /a\"\n"
      "    accepts:\n"
      "      - { price: \"$1\", scheme: upto }\n"
      "      - { price: \"$1\", scheme: upto, network: \"eip155:137\" }\n";
  auto r = load(with_route(accepts + "    meter: { bytes: 1KiB, price: \"$0.0001\" }\n"));
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->routes[0].meter.unit_price, (std::vector<std::string>{"100", "100"}));
  auto [line, text] = only_error(accepts + "    meter:\n      bytes: 1KiB\n      price: { amount: \"100\" }\n");
  EXPECT_EQ(line, 11);
  EXPECT_NE(text.find("several assets"), std::string::npos) << text;
}
