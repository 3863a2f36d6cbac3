#include "routing/route_table.hpp"

#include <gtest/gtest.h>

#include "routing/path.hpp"

#include <random>

using namespace x402gw::routing;

namespace {
RouteTable table(std::initializer_list<const char*> matches) {
  RouteTable t;
  for (const char* m : matches) {
    std::string error;
    auto parsed = parse_match(m, "", &error);
    EXPECT_TRUE(parsed) << m << ": " << error;
    t.add(std::move(*parsed));
  }
  return t;
}
std::optional<size_t> find(const RouteTable& t, const char* method, const char* target) {
  auto n = normalise_target(target);
  return t.find(method, "gw.test", std::get<Target>(n).match_key);
}
}  // namespace

TEST(RouteTable, MethodIsOptional) {
  auto t = table({"GET /api/weather", "/public/*"});
  EXPECT_EQ(find(t, "GET", "/api/weather"), 0u);
  EXPECT_EQ(find(t, "POST", "/api/weather"), std::nullopt);
  EXPECT_EQ(find(t, "DELETE", "/public/x"), 1u);
}

TEST(RouteTable, HeadMatchesGetRoutes) {
  auto t = table({"GET /api/weather"});
  EXPECT_EQ(find(t, "HEAD", "/api/weather"), 0u);
}

TEST(RouteTable, MethodMatchesWhateverItsCase) {
  // Frameworks upper-case the method: "get /priced" must not fall through to a free catch-all.
  auto t = table({"GET /priced", "/*"});
  EXPECT_EQ(find(t, "get", "/priced"), 0u);
  EXPECT_EQ(find(t, "Get", "/priced"), 0u);
  EXPECT_EQ(find(t, "head", "/priced"), 0u);
  EXPECT_EQ(find(t, "Head", "/priced"), 0u);
  EXPECT_EQ(find(t, "post", "/priced"), 1u);
  EXPECT_EQ(find(t, "GETX", "/priced"), 1u);
}

TEST(RouteTable, StarMatchesAnyRunIncludingSlashes) {
  auto t = table({"/public/*", "/files/*.json"});
  EXPECT_EQ(find(t, "GET", "/public/a/b/c"), 0u);
  EXPECT_EQ(find(t, "GET", "/public/"), std::nullopt);  // "/public" after trimming: no '/' left to match
  EXPECT_EQ(find(t, "GET", "/files/a/b.json"), 1u);
  EXPECT_EQ(find(t, "GET", "/files/a/b.txt"), std::nullopt);
}

TEST(RouteTable, ParamsMatchExactlyOneSegment) {
  auto t = table({"GET /users/:id/posts", "GET /items/[item]"});
  EXPECT_EQ(find(t, "GET", "/users/42/posts"), 0u);
  EXPECT_EQ(find(t, "GET", "/users/42/43/posts"), std::nullopt);
  EXPECT_EQ(find(t, "GET", "/users//posts"), std::nullopt);  // collapsed to /users/posts
  EXPECT_EQ(find(t, "GET", "/items/abc"), 1u);
}

TEST(RouteTable, MatchingIsAnchoredAndCaseInsensitive) {
  auto t = table({"GET /api/weather"});
  EXPECT_EQ(find(t, "GET", "/API/WEATHER"), 0u);
  EXPECT_EQ(find(t, "GET", "/api/weather2"), std::nullopt);
  EXPECT_EQ(find(t, "GET", "/x/api/weather"), std::nullopt);
  EXPECT_EQ(find(t, "GET", "/api/weather/"), 0u);
}

TEST(RouteTable, FirstMatchInFileOrderWins) {
  auto t = table({"GET /api/free", "/api/*"});
  EXPECT_EQ(find(t, "GET", "/api/free"), 0u);
  EXPECT_EQ(find(t, "GET", "/api/other"), 1u);
}

TEST(RouteTable, HostRestrictsARoute) {
  RouteTable t;
  std::string e;
  t.add(*parse_match("/x", "API.example.com", &e));
  EXPECT_EQ(t.find("GET", "api.example.com:8402", "/x"), 0u);
  EXPECT_EQ(t.find("GET", "Api.Example.Com", "/x"), 0u);
  EXPECT_EQ(t.find("GET", "other.example.com", "/x"), std::nullopt);
}

TEST(RouteTable, HostMatchIgnoresCaseAndTheTrailingDot) {
  RouteTable t;
  std::string e;
  t.add(*parse_match("GET /x", "paid.example", &e));
  t.add(*parse_match("GET /y", "Other.Example.", &e));  // configured with a trailing dot
  t.add(*parse_match("/*", "", &e));
  EXPECT_EQ(t.find("GET", "paid.example.", "/x"), 0u);
  EXPECT_EQ(t.find("GET", "paid.example.:8080", "/x"), 0u);
  EXPECT_EQ(t.find("GET", "PAID.Example.", "/x"), 0u);
  EXPECT_EQ(t.find("GET", "other.example", "/y"), 1u);
  EXPECT_EQ(t.find("GET", "other.example.", "/y"), 1u);
  // Not a host: no host-restricted route matches it.
  EXPECT_EQ(t.find("GET", "paid.example..", "/x"), 2u);
  EXPECT_EQ(t.find("GET", "", "/x"), 2u);
}

TEST(RouteTable, ConfiguredHostMustBeAHostWithoutPort) {
  std::string e;
  EXPECT_FALSE(parse_match("/x", "paid.example:8080", &e));
  EXPECT_FALSE(parse_match("/x", "paid example", &e));
  EXPECT_FALSE(parse_match("/x", "x..y", &e));
  ASSERT_TRUE(parse_match("/x", "[::1]", &e));
  EXPECT_EQ(parse_match("/x", "[0::1]", &e)->host, "[::1]");
}

TEST(RouteTable, BadPatternsAreRefused) {
  std::string e;
  EXPECT_FALSE(parse_match("get /x", "", &e));
  EXPECT_FALSE(parse_match("GET x", "", &e));
  EXPECT_FALSE(parse_match("/users/:/x", "", &e));
  EXPECT_FALSE(parse_match("/users/[id", "", &e));
  EXPECT_FALSE(parse_match("/users/[id].json", "", &e));
}

// The segment index must give exactly what a scan in file order gives. Patterns and keys are
// drawn from a small alphabet of segments so that overlaps, wildcards inside segments, literal
// routes and parameters meet often.
TEST(RouteTable, IndexAgreesWithAScanInFileOrder) {
  const std::vector<std::string> pieces = {"a", "b", "ab", "api", "*", ":id", "a*", "*b", "v1"};
  const std::vector<std::string> methods = {"", "GET ", "POST "};
  std::mt19937 rng(402);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  for (int round = 0; round < 200; ++round) {
    RouteTable indexed;
    std::vector<RouteMatcher> plain;
    for (int r = 0; r < 12; ++r) {
      std::string path;
      for (int depth = 1 + static_cast<int>(rng() % 3); depth > 0; --depth) path += "/" + pick(pieces);
      if (rng() % 5 == 0) path += "/";
      std::string error;
      auto m = parse_match(pick(methods) + path, "", &error);
      ASSERT_TRUE(m) << path << ": " << error;
      plain.push_back(*m);
      indexed.add(std::move(*m));
    }
    for (int k = 0; k < 50; ++k) {
      std::string key;
      for (int depth = static_cast<int>(rng() % 4); depth > 0; --depth) key += "/" + pick({"a", "b", "ab", "api", "v1", "x"});
      if (key.empty()) key = "/";
      const std::string method = rng() % 2 ? "GET" : "POST";
      std::optional<size_t> expected;
      for (size_t i = 0; i < plain.size() && !expected; ++i)
        if ((plain[i].method.empty() || plain[i].method == method) && plain[i].pattern.matches(key)) expected = i;
      EXPECT_EQ(indexed.find(method, "gw.test", key), expected) << method << " " << key;
    }
  }
}

TEST(RouteTable, EarlierWildcardBeatsLaterExactRoute) {
  auto t = table({"/api/*", "GET /api/weather", "/*"});
  EXPECT_EQ(find(t, "GET", "/api/weather"), 0u);
  EXPECT_EQ(find(t, "GET", "/other"), 2u);
  auto u = table({"GET /api/weather", "/api/*", "/*"});
  EXPECT_EQ(find(u, "GET", "/api/weather"), 0u);
  EXPECT_EQ(find(u, "GET", "/api/other"), 1u);
}
