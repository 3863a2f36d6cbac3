#include "payment/rate_limiter.hpp"

#include <gtest/gtest.h>

using x402gw::payment::RateLimiter;
using namespace std::chrono_literals;

TEST(RateLimiter, AllowsTheBurstThenRefillsAtTheRate) {
  RateLimiter limiter(2, 3);
  const auto t0 = RateLimiter::Clock::now();
  EXPECT_TRUE(limiter.allow("a", t0));
  EXPECT_TRUE(limiter.allow("a", t0));
  EXPECT_TRUE(limiter.allow("a", t0));
  EXPECT_FALSE(limiter.allow("a", t0));
  EXPECT_FALSE(limiter.allow("a", t0 + 400ms));  // 0.8 tokens
  EXPECT_TRUE(limiter.allow("a", t0 + 500ms));   // one token after half a second at 2/s
  EXPECT_FALSE(limiter.allow("a", t0 + 500ms));
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
  RateLimiter limiter(1, 1);
  const auto t0 = RateLimiter::Clock::now();
  EXPECT_TRUE(limiter.allow("a", t0));
  EXPECT_FALSE(limiter.allow("a", t0));
  EXPECT_TRUE(limiter.allow("b", t0));
}

TEST(RateLimiter, RateZeroIsUnlimited) {
  RateLimiter limiter(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.allow("a"));
}

TEST(RateLimiter, NeverRefillsBeyondTheBurst) {
  RateLimiter limiter(10, 2);
  const auto t0 = RateLimiter::Clock::now();
  EXPECT_TRUE(limiter.allow("a", t0));
  EXPECT_TRUE(limiter.allow("a", t0 + 1h));
  EXPECT_TRUE(limiter.allow("a", t0 + 1h));
  EXPECT_FALSE(limiter.allow("a", t0 + 1h));
}

TEST(RateLimiter, ReconfiguringKeepsTheBuckets) {
  RateLimiter limiter(1, 1);
  const auto t0 = RateLimiter::Clock::now();
  EXPECT_TRUE(limiter.allow("a", t0));
  limiter.configure(0, 0);  // unlimited from now on
  EXPECT_TRUE(limiter.allow("a", t0));
}

TEST(RateLimiter, MemoryStaysBoundedWithManyAddresses) {
  RateLimiter limiter(1, 1, 100);
  const auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 10'000; ++i) {
    limiter.allow("10.0." + std::to_string(i), t0 + std::chrono::milliseconds(i));
    ASSERT_LE(limiter.size(), 100u);
  }
  EXPECT_TRUE(limiter.allow("fresh", t0 + 20s));
}
