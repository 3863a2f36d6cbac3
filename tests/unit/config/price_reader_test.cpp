// Prices from the request and pricers in the configuration: what they read into, and every
// mistake reported with its line.
#include "config/price_reader.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw;
using namespace x402gw::config;

namespace {

std::string with_route(const std::string& route_lines) {
  return "upstreams: { api: \"http://127.0.0.1:3000\" }\n"
         "facilitators: { f: { url: \"http://127.0.0.1:4020\" } }\n"
         "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base-sepolia }\n"
         "routes:\n" + route_lines;
}

LoadResult load(const std::string& text) {
  return load_config_text(text, "gateway.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

std::string only_error(const std::string& text) {
  auto r = load(text);
  EXPECT_EQ(r.errors.size(), 1u) << r.report();
  return r.errors.empty() ? "" : r.errors[0].format("gateway.yaml");
}

}  // namespace

TEST(PriceReader, ABodyRuleReadsItsTableInAtomicUnits) {
  auto r = load(with_route("  - match: \"POST /v1/images\"\n"
                           "    price: { from: { body: model }, table: { small: \"$0.01\", large: \"$0.05\" }, default: \"$0.02\" }\n"));
  ASSERT_TRUE(r.errors.empty()) << r.report();
  const Route& route = r.config->routes[0];
  ASSERT_TRUE(route.price_rule);
  EXPECT_TRUE(route.priced);
  EXPECT_TRUE(route.priced_per_request());
  EXPECT_TRUE(route.price_reads_body());
  EXPECT_EQ(route.price_rule->source, pricing::Source::body);
  EXPECT_EQ(route.price_rule->name, "model");
  ASSERT_EQ(route.price_rule->table.size(), 2u);
  EXPECT_EQ(route.price_rule->table[0], (std::pair<std::string, std::string>{"small", "10000"}));
  EXPECT_EQ(route.price_rule->table[1], (std::pair<std::string, std::string>{"large", "50000"}));
  EXPECT_EQ(route.price_rule->fallback, "20000");
  // The requirement (asset, network) is built from the first price.
  EXPECT_EQ(route.requirements[0].amount, "10000");
  EXPECT_EQ(route.requirements[0].network, "eip155:84532");
}

TEST(PriceReader, QueryHeaderAndPathRulesDoNotReadTheBody) {
  auto r = load(with_route("  - match: \"GET /search\"\n    price: { from: { query: tier }, table: { pro: \"$0.01\" } }\n"
                           "  - match: \"GET /t\"\n    price: { from: { header: X-Quality }, table: { final: \"$0.01\" } }\n"
                           "  - match: \"GET /img/:size/*\"\n    price: { from: { path: size }, table: { XL: \"$0.01\" } }\n"));
  ASSERT_TRUE(r.errors.empty()) << r.report();
  for (const auto& route : r.config->routes) EXPECT_FALSE(route.price_reads_body()) << route.name;
  const auto& path_rule = *r.config->routes[2].price_rule;
  EXPECT_EQ(path_rule.path_segment, 1u);
  EXPECT_EQ(path_rule.table[0].first, "xl");  // compared in lower case, as routes match
}

TEST(PriceReader, AnUnknownKeyInARuleHasItsLine) {
  std::string e = only_error(with_route("  - match: /a\n    price:\n      from: { body: model }\n      table: { a: \"$0.01\" }\n      defualt: \"$0.01\"\n"));
  EXPECT_EQ(e.rfind("gateway.yaml:9:7: routes[0].price.defualt: unknown key", 0), 0u) << e;
}

TEST(PriceReader, AnUnknownSourceIsAnError) {
  std::string e = only_error(with_route("  - match: /a\n    price: { from: { cookie: model }, table: { a: \"$0.01\" } }\n"));
  EXPECT_NE(e.find("gateway.yaml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("cookie"), std::string::npos) << e;
}

TEST(PriceReader, AnEmptyTableIsAnError) {
  std::string e = only_error(with_route("  - match: /a\n    price: { from: { body: model }, table: {}, default: \"$0.01\" }\n"));
  EXPECT_NE(e.find("routes[0].price.table"), std::string::npos) << e;
  EXPECT_NE(e.find("non-empty"), std::string::npos) << e;
}

TEST(PriceReader, APriceInAnotherAssetIsAnError) {
  std::string e = only_error(with_route("  - match: /a\n    network: \"stacks:1\"\n    pay_to: SP2F0VC55JT6ND29YHF9VZE1Q5DM137VXQY93GPW5\n"
                                        "    price: { from: { body: m }, table: { a: \"0.5 STX\", b: \"0.001 sBTC\" } }\n"));
  EXPECT_NE(e.find("gateway.yaml:8:"), std::string::npos) << e;
  EXPECT_NE(e.find("routes[0].price.table.b"), std::string::npos) << e;
  EXPECT_NE(e.find("one asset"), std::string::npos) << e;
}

TEST(PriceReader, APathParameterNotInThePatternIsAnError) {
  std::string e = only_error(with_route("  - match: \"GET /img/:size\"\n    price: { from: { path: width }, table: { a: \"$0.01\" } }\n"));
  EXPECT_NE(e.find("gateway.yaml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("no path parameter ':width'"), std::string::npos) << e;
}

TEST(PriceReader, APathParameterAfterAStarIsAnError) {
  std::string e = only_error(with_route("  - match: \"GET /img/*/:size\"\n    price: { from: { path: size }, table: { a: \"$0.01\" } }\n"));
  EXPECT_NE(e.find("after a '*'"), std::string::npos) << e;
}

TEST(PriceReader, ABadTablePriceHasItsLine) {
  std::string e = only_error(with_route("  - match: /a\n    price:\n      from: { body: model }\n      table:\n        a: \"$0.01\"\n        b: \"$0\"\n"));
  EXPECT_EQ(e.rfind("gateway.yaml:10:12: routes[0].price.table.b:", 0), 0u) << e;
}

TEST(PriceReader, ARuleIsNotForAcceptsEntries) {
  std::string e = only_error(with_route("  - match: /a\n    accepts:\n      - { price: { from: { body: m }, table: { a: \"$0.01\" } } }\n"));
  EXPECT_NE(e.find("not an accepts entry's"), std::string::npos) << e;
}

TEST(PriceReader, ARuleCannotBeProvenByTransactionHash) {
  auto r = load(with_route("  - match: /a\n    proof: tx_hash\n    price: { from: { query: q }, table: { a: \"$0.01\" } }\n") +
                "chains: { base-sepolia: { rpc: \"http://127.0.0.1:8545\" } }\n");
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.report().find("proof: tx_hash"), std::string::npos) << r.report();
}

TEST(PriceReader, APricerReadsEveryKey) {
  auto r = load(with_route("  - match: \"POST /quote/*\"\n"
                           "    pricer:\n"
                           "      url: \"http://127.0.0.1:7000/price\"\n"
                           "      timeout: 200ms\n"
                           "      headers: [X-Plan]\n"
                           "      fields: [model]\n"
                           "      body_digest: true\n"
                           "      cache: { key: [method, path, \"header:X-Plan\", \"query:q\", \"body:model\"], ttl: 30s, max_entries: 50 }\n"
                           "      breaker: { failures: 3, open_for: 5s }\n"));
  ASSERT_TRUE(r.errors.empty()) << r.report();
  const Route& route = r.config->routes[0];
  ASSERT_TRUE(route.pricer);
  EXPECT_TRUE(route.priced);
  EXPECT_TRUE(route.price_reads_body());
  EXPECT_EQ(route.pricer->timeout, std::chrono::milliseconds(200));
  EXPECT_EQ(route.pricer->headers, std::vector<std::string>{"X-Plan"});
  EXPECT_EQ(route.pricer->fields, std::vector<std::string>{"model"});
  EXPECT_EQ(route.pricer->cache_key.size(), 5u);
  EXPECT_EQ(route.pricer->cache_ttl, std::chrono::seconds(30));
  EXPECT_EQ(route.pricer->cache_entries, 50u);
  EXPECT_EQ(route.pricer->breaker.failures, 3);
  EXPECT_EQ(route.requirements[0].network, "eip155:84532");
  EXPECT_EQ(route.requirements[0].decimals, 6);
}

TEST(PriceReader, APricerWithoutBodyPartsDoesNotReadTheBody) {
  auto r = load(with_route("  - match: \"GET /q/*\"\n    pricer: { url: \"http://127.0.0.1:7000/\", cache: { key: [path], ttl: 1s } }\n"));
  ASSERT_TRUE(r.errors.empty()) << r.report();
  EXPECT_FALSE(r.config->routes[0].price_reads_body());
}

TEST(PriceReader, APricerMistakesHaveTheirLines) {
  EXPECT_NE(only_error(with_route("  - match: /a\n    pricer: { url: \"http://127.0.0.1:7000/\", cache: { key: [cookie], ttl: 1s } }\n"))
                .find("a key part is method, path"),
            std::string::npos);
  EXPECT_NE(only_error(with_route("  - match: /a\n    pricer: { url: \"http://127.0.0.1:7000/\", cache: { key: [path] } }\n")).find("needs a ttl"),
            std::string::npos);
  EXPECT_NE(only_error(with_route("  - match: /a\n    pricer: { url: \"http://127.0.0.1:7000/\", timout: 1s }\n")).find("unknown key"),
            std::string::npos);
  EXPECT_NE(only_error(with_route("  - match: /a\n    price: \"$0.01\"\n    pricer: { url: \"http://127.0.0.1:7000/\" }\n")).find("no 'price'"),
            std::string::npos);
}
