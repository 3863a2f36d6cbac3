#include "payment/requirement_cache.hpp"

#include <gtest/gtest.h>

#include "test_routes.hpp"
#include "core/json_text.hpp"

using namespace x402gw;

namespace {
using payment::testing::resource_at;
config::Route priced_route() {
  x402::Requirement second = x402::testing::base_sepolia_usdc();
  second.amount = "20000";
  return payment::testing::priced_route({x402::testing::base_sepolia_usdc(), second});
}
}  // namespace

TEST(RequirementCache, GivesWhatBuildingGivesAndBuildsOnce) {
  payment::RequirementCache cache;
  const config::Route route = priced_route();
  const payment::RequirementForms& forms = cache.v2(1, route);
  ASSERT_EQ(forms.v2.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(forms.v2[i], x402::to_v2_json(route.requirements[i]));
    EXPECT_EQ(forms.v2_text[i], core::json_text(x402::to_v2_json(route.requirements[i])));
  }
  EXPECT_EQ(&cache.v2(1, route), &forms);
  const auto resource = resource_at("http://gw.test/api/weather");
  const std::string& v1 = cache.v1_text(1, route, 1, resource);
  EXPECT_EQ(v1, core::json_text(x402::to_v1_json(route.requirements[1], resource)));
  EXPECT_EQ(&cache.v1_text(1, route, 1, resource), &v1);
}

TEST(RequirementCache, ResourceUrlAndIndexArePartOfTheV1Key) {
  payment::RequirementCache cache;
  const config::Route route = priced_route();
  const std::string a = cache.v1_text(1, route, 0, resource_at("http://a.test/api/weather"));
  const std::string b = cache.v1_text(1, route, 0, resource_at("http://b.test/api/weather"));
  const std::string a1 = cache.v1_text(1, route, 1, resource_at("http://a.test/api/weather"));
  EXPECT_NE(a.find("http://a.test/api/weather"), std::string::npos);
  EXPECT_NE(b.find("http://b.test/api/weather"), std::string::npos);
  EXPECT_NE(a, a1);
  EXPECT_NE(a1.find("20000"), std::string::npos);
}

TEST(RequirementCache, ANewConfigurationStartsOver) {
  payment::RequirementCache cache;
  config::Route route = priced_route();
  EXPECT_NE(cache.v2(1, route).v2_text[0].find("10000"), std::string::npos);
  route.requirements[0].amount = "30000";  // what a reload at the same address could look like
  EXPECT_NE(cache.v2(2, route).v2_text[0].find("30000"), std::string::npos);
  EXPECT_EQ(cache.v2(2, route).v2.size(), 2u);
}

TEST(RequirementCache, AFullV1CacheStartsOver) {
  payment::RequirementCache cache(2);
  const config::Route route = priced_route();
  for (int i = 0; i < 5; ++i) {
    const auto resource = resource_at("http://h" + std::to_string(i) + ".test/api/weather");
    EXPECT_EQ(cache.v1_text(1, route, 0, resource), core::json_text(x402::to_v1_json(route.requirements[0], resource)));
  }
}

TEST(RequirementCache, APricePerRequestIsPartOfTheKey) {
  payment::RequirementCache cache;
  const config::Route route = priced_route();
  const auto resource = resource_at("http://gw.test/api/weather");
  std::vector<x402::Requirement> cheap = route.requirements, dear = route.requirements;
  cheap[0].amount = "10000";
  dear[0].amount = "50000";
  EXPECT_EQ(cache.v2(1, route, &cheap, "10000").v2[0]["amount"], "10000");
  EXPECT_EQ(cache.v2(1, route, &dear, "50000").v2[0]["amount"], "50000");
  EXPECT_EQ(cache.v2(1, route, &cheap, "10000").v2[0]["amount"], "10000");
  EXPECT_NE(cache.v1_text(1, route, 0, resource, &cheap, "10000"), cache.v1_text(1, route, 0, resource, &dear, "50000"));
  EXPECT_EQ(cache.v1_text(1, route, 0, resource, &dear, "50000"), core::json_text(x402::to_v1_json(dear[0], resource)));
}
