#include "payment/challenge_cache.hpp"

#include <gtest/gtest.h>

#include "test_routes.hpp"

using namespace x402gw;

using payment::testing::priced_route;
using payment::testing::resource_at;

TEST(ChallengeCache, GivesWhatBuildingGivesAndBuildsOnce) {
  payment::ChallengeCache cache;
  const config::Route route = priced_route();
  const auto resource = resource_at("http://gw.test/api/weather");
  const x402::Challenge& first = cache.get(1, route, resource);
  const x402::Challenge built = x402::build_challenge(route.requirements, resource, "payment_required");
  EXPECT_EQ(first.body, built.body);
  EXPECT_EQ(first.header_value, built.header_value);
  EXPECT_EQ(&cache.get(1, route, resource), &first);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ChallengeCache, ResourceUrlIsPartOfTheKey) {
  payment::ChallengeCache cache;
  const config::Route route = priced_route();
  const auto a = cache.get(1, route, resource_at("http://a.test/api/weather")).body;
  const auto b = cache.get(1, route, resource_at("http://b.test/api/weather")).body;
  EXPECT_NE(a, b);
  EXPECT_NE(a.find("http://a.test/api/weather"), std::string::npos);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ChallengeCache, MessageIsPartOfTheKey) {
  payment::ChallengeCache cache;
  const config::Route route = priced_route();
  const auto resource = resource_at("http://gw.test/api/weather");
  const std::string plain = cache.get(1, route, resource).body;
  const std::string explained = cache.get(1, route, resource, "Pay with X-PAYMENT").body;
  EXPECT_EQ(plain.find("Pay with X-PAYMENT"), std::string::npos);
  EXPECT_NE(explained.find("Pay with X-PAYMENT"), std::string::npos);
}

TEST(ChallengeCache, NewConfigurationStartsAfresh) {
  payment::ChallengeCache cache;
  config::Route route = priced_route();
  const auto resource = resource_at("http://gw.test/api/weather");
  cache.get(1, route, resource);
  route.requirements[0].amount = "20000";  // a reload changed the price
  const std::string body = cache.get(2, route, resource).body;
  EXPECT_NE(body.find("\"20000\""), std::string::npos);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ChallengeCache, StaysWithinItsCapacity) {
  payment::ChallengeCache cache(8);
  const config::Route route = priced_route();
  for (int i = 0; i < 100; ++i) cache.get(1, route, resource_at("http://host" + std::to_string(i) + ".test/x"));
  EXPECT_LE(cache.size(), 8u);
}

TEST(ChallengeCache, APricePerRequestIsPartOfTheKey) {
  // A route priced from the request: one request's quote is never served to another.
  payment::ChallengeCache cache;
  const config::Route route = priced_route();
  const auto resource = resource_at("http://gw.test/api/weather");
  std::vector<x402::Requirement> cheap = route.requirements, dear = route.requirements;
  cheap[0].amount = "10000";
  dear[0].amount = "50000";
  const std::string a = cache.get(1, route, resource, "", &cheap, "10000").header_value;
  const std::string b = cache.get(1, route, resource, "", &dear, "50000").header_value;
  EXPECT_NE(a, b);
  EXPECT_EQ(a, x402::build_challenge(cheap, resource, "payment_required").header_value);
  EXPECT_EQ(b, x402::build_challenge(dear, resource, "payment_required").header_value);
  EXPECT_EQ(cache.get(1, route, resource, "", &cheap, "10000").header_value, a);
}
