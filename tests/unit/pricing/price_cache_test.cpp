#include "pricing/price_cache.hpp"

#include <gtest/gtest.h>

using namespace x402gw::pricing;
using namespace std::chrono_literals;

namespace {

PricerAnswer price(std::string amount) {
  PricerAnswer a;
  a.amount = std::move(amount);
  return a;
}

}  // namespace

TEST(PriceCache, KeepsAnAnswerForItsTtl) {
  PriceCache cache;
  const auto t0 = PriceCache::Clock::time_point{} + 1h;
  EXPECT_FALSE(cache.get("k", t0));
  cache.put("k", price("100"), t0 + 30s);
  ASSERT_TRUE(cache.get("k", t0 + 29s));
  EXPECT_EQ(cache.get("k", t0 + 29s)->amount, "100");
  EXPECT_FALSE(cache.get("k", t0 + 30s));
  EXPECT_EQ(cache.size(), 0u);  // an expired entry is dropped when met
}

TEST(PriceCache, StaysWithinItsCapacityOldestFirst) {
  PriceCache cache(3);
  const auto t0 = PriceCache::Clock::time_point{} + 1h;
  for (int i = 0; i < 10; ++i) cache.put("k" + std::to_string(i), price(std::to_string(i + 1)), t0 + 1h);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.get("k6", t0));
  EXPECT_TRUE(cache.get("k7", t0));
  EXPECT_TRUE(cache.get("k9", t0));
  cache.set_capacity(1);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.get("k9", t0));
}

TEST(PriceCache, APutReplacesTheEntry) {
  PriceCache cache(2);
  const auto t0 = PriceCache::Clock::time_point{} + 1h;
  cache.put("k", price("1"), t0 + 1s);
  cache.put("k", price("2"), t0 + 1h);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.get("k", t0 + 10s)->amount, "2");
}
