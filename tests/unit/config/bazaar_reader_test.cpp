#include "config/bazaar_reader.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw::config;

namespace {

// A configuration whose routes are `route_lines` (lines 5 on).
LoadResult load_routes(const std::string& route_lines) {
  const std::string text =
      "upstreams: { api: \"http://127.0.0.1:3000\" }\n"
      "facilitators: { f: { url: \"http://127.0.0.1:4020\" } }\n"
      "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base-sepolia }\n"
      "routes:\n" + route_lines;
  return load_config_text(text, "gateway.yaml", [](const std::string&) { return std::nullopt; });
}

// The first error as "line: message", or "".
std::string first_error(const LoadResult& r) {
  return r.errors.empty() ? "" : std::to_string(r.errors[0].line) + ": " + r.errors[0].message;
}

}  // namespace

TEST(Bazaar, AGetRouteDeclaresItsQueryAndOutput) {
  auto r = load_routes(R"(  - match: "GET /api/weather"
    price: "$0.01"
    bazaar:
      query: { city: Paris }
      query_schema: { properties: { city: { type: string } }, required: [city] }
      output: { example: { weather: sunny, temperature: 21 } }
)");
  ASSERT_TRUE(r.config) << r.report();
  const auto& b = r.config->routes[0].bazaar;
  EXPECT_EQ(b["info"]["input"], (nlohmann::json{{"type", "http"}, {"method", "GET"}, {"queryParams", {{"city", "Paris"}}}}));
  EXPECT_EQ(b["info"]["output"]["type"], "json");
  EXPECT_EQ(b["info"]["output"]["example"]["temperature"], 21);
  const auto& input = b["schema"]["properties"]["input"];
  EXPECT_EQ(input["properties"]["method"]["enum"], nlohmann::json::array({"GET"}));
  EXPECT_EQ(input["properties"]["queryParams"]["type"], "object");
  EXPECT_EQ(input["properties"]["queryParams"]["required"], nlohmann::json::array({"city"}));
  EXPECT_EQ(input["additionalProperties"], false);
  EXPECT_EQ(b["schema"]["required"], nlohmann::json::array({"input"}));
}

TEST(Bazaar, APostRouteDeclaresItsBody) {
  auto r = load_routes(R"(  - match: "POST /api/translate"
    price: "$0.01"
    bazaar:
      body: { text: hello, to: fr }
      body_schema: { type: object, properties: { text: { type: string } } }
)");
  ASSERT_TRUE(r.config) << r.report();
  const auto& info = r.config->routes[0].bazaar["info"];
  EXPECT_EQ(info["input"]["method"], "POST");
  EXPECT_EQ(info["input"]["bodyType"], "json");
  EXPECT_EQ(info["input"]["body"]["to"], "fr");
  EXPECT_FALSE(info.contains("output"));
  EXPECT_EQ(r.config->routes[0].bazaar["schema"]["properties"]["input"]["required"],
            nlohmann::json::array({"type", "method", "bodyType", "body"}));
}

TEST(Bazaar, AnAnyMethodRouteNamesItsMethod) {
  auto r = load_routes(R"(  - match: "/api/any"
    price: "$0.01"
    bazaar: { method: post }
)");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->routes[0].bazaar["info"]["input"]["method"], "POST");
  auto missing = load_routes(R"(  - match: "/api/any"
    price: "$0.01"
    bazaar: { query: { a: b } }
)");
  EXPECT_EQ(first_error(missing).rfind("7: ", 0), 0u) << first_error(missing);
  EXPECT_NE(first_error(missing).find("bazaar.method"), std::string::npos);
}

TEST(Bazaar, MistakesAreReportedWithTheirLine) {
  struct Case {
    const char* yaml;
    int line;
    const char* says;
  };
  const Case cases[] = {
      {"  - match: \"GET /a\"\n    price: \"$0.01\"\n    bazaar:\n      body: { x: 1 }\n", 8, "is for POST, PUT, PATCH"},
      {"  - match: \"POST /a\"\n    price: \"$0.01\"\n    bazaar:\n      query: { x: 1 }\n", 8, "is for GET, HEAD, DELETE"},
      {"  - match: \"POST /a\"\n    price: \"$0.01\"\n    bazaar:\n      body_type: xml\n", 8, "json (default), form-data or text"},
      {"  - match: \"GET /a\"\n    price: \"$0.01\"\n    bazaar:\n      query: [a, b]\n", 8, "must be a mapping"},
      {"  - match: \"GET /a\"\n    price: \"$0.01\"\n    bazaar:\n      output: { schema: { type: object } }\n", 8, "output needs an example"},
      {"  - match: \"GET /a\"\n    price: \"$0.01\"\n    bazaar:\n      output: { example: [1, 2] }\n", 8, "must be a mapping"},
      {"  - match: \"GET /a\"\n    price: \"$0.01\"\n    bazaar:\n      query_schema: { $ref: \"https://x/y.json\" }\n", 8,
       "must not refer to other documents"},
      {"  - match: \"GET /a\"\n    price: \"$0.01\"\n    bazaar:\n      querry: { x: 1 }\n", 8, "querry"},
      {"  - match: \"GET /a\"\n    price: \"$0.01\"\n    bazaar: { method: POST }\n", 7, "matches GET only"},
      {"  - match: \"OPTIONS /a\"\n    price: \"$0.01\"\n    bazaar: {}\n", 7, "not OPTIONS"},
      {"  - match: \"GET /a\"\n    bazaar: { query: { x: 1 } }\n", 6, "has no price"},
  };
  for (const auto& c : cases) {
    auto r = load_routes(c.yaml);
    EXPECT_FALSE(r.config) << c.yaml;
    const std::string e = first_error(r);
    EXPECT_EQ(e.rfind(std::to_string(c.line) + ": ", 0), 0u) << c.yaml << " -> " << e;
    EXPECT_NE(e.find(c.says), std::string::npos) << c.yaml << " -> " << e;
  }
}

TEST(Bazaar, AbsentMeansNone) {
  auto r = load_routes("  - { match: \"GET /a\", price: \"$0.01\" }\n");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_TRUE(r.config->routes[0].bazaar.is_null());
}
