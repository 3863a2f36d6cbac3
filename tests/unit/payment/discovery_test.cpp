#include "payment/discovery.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw;

TEST(Discovery, ListsPricedRoutesOnly) {
  auto loaded = config::load_config_text(R"(name: Demo
image: "https://x/logo.png"
upstreams: { api: "http://127.0.0.1:1" }
facilitators: { f: { url: "http://127.0.0.1:2" } }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base }
routes:
  - { match: "GET /a", price: "$0.01", description: "A", output: { type: object } }
  - { match: "/free/*" }
  - { match: "/b/:id", price: "$1" }
)", "t.yaml", [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(loaded.config) << loaded.report();
  auto doc = payment::discovery_document(*loaded.config, "https://api.test");
  EXPECT_EQ(doc["name"], "Demo");
  EXPECT_EQ(doc["image"], "https://x/logo.png");
  EXPECT_EQ(doc["resources"], nlohmann::json({"https://api.test/a", "https://api.test/b/:id"}));
  ASSERT_EQ(doc["items"].size(), 2u);
  EXPECT_EQ(doc["items"][0]["method"], "GET");
  EXPECT_EQ(doc["items"][0]["accepts"][0]["amount"], "10000");
  EXPECT_EQ(doc["items"][0]["outputSchema"]["output"]["type"], "object");
  EXPECT_EQ(doc["items"][1]["method"], "ANY");
  EXPECT_EQ(doc["items"][1]["accepts"][0]["amount"], "1000000");
}

TEST(Discovery, MarksRoutesPricedPerRequest) {
  auto loaded = config::load_config_text(R"(upstreams: { api: "http://127.0.0.1:1" }
facilitators: { f: { url: "http://127.0.0.1:2" } }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base }
routes:
  - { match: "GET /fixed", price: "$0.01" }
  - { match: "POST /rule", price: { from: { body: model }, table: { a: "$0.02", b: "$0.05" } } }
  - { match: "GET /priced/*", pricer: { url: "http://127.0.0.1:3/price" } }
)", "t.yaml", [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(loaded.config) << loaded.report();
  auto doc = payment::discovery_document(*loaded.config, "https://api.test");
  ASSERT_EQ(doc["items"].size(), 3u);
  EXPECT_FALSE(doc["items"][0].contains("pricedPerRequest"));
  EXPECT_EQ(doc["items"][1]["pricedPerRequest"], true);
  EXPECT_EQ(doc["items"][1]["accepts"][0]["amount"], "20000");  // the table's first price, as an example
  EXPECT_EQ(doc["items"][2]["pricedPerRequest"], true);
  // A pricer names each request's amount: the configured placeholder is not shown.
  EXPECT_FALSE(doc["items"][2]["accepts"][0].contains("amount"));
  EXPECT_EQ(doc["items"][2]["accepts"][0]["network"], "eip155:8453");
}
