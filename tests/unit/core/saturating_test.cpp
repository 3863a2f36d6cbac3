#include "core/saturating.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace x402gw::core {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(Saturating, AddsInRange) {
  EXPECT_EQ(saturating_add(1, 2), 3);
  EXPECT_EQ(saturating_add(-5, 3), -2);
  EXPECT_EQ(saturating_add(kMax - 1, 1), kMax);
  EXPECT_EQ(saturating_add(kMin + 1, -1), kMin);
}

TEST(Saturating, AddClampsAtTheEdges) {
  EXPECT_EQ(saturating_add(kMax, 1), kMax);
  EXPECT_EQ(saturating_add(kMax, 86400), kMax);  // a validBefore of 2^63 or more, plus a day
  EXPECT_EQ(saturating_add(kMax, kMax), kMax);
  EXPECT_EQ(saturating_add(kMin, -1), kMin);
  EXPECT_EQ(saturating_add(kMin, kMin), kMin);
  EXPECT_EQ(saturating_add(kMax, kMin), -1);
}

TEST(Saturating, SubtractsAndClamps) {
  EXPECT_EQ(saturating_sub(10, 3), 7);
  EXPECT_EQ(saturating_sub(kMax, -1), kMax);
  EXPECT_EQ(saturating_sub(kMin, 1), kMin);
  EXPECT_EQ(saturating_sub(0, kMin), kMax);
  EXPECT_EQ(saturating_sub(kMax, 0), kMax);
  EXPECT_EQ(saturating_sub(-1, kMax), kMin);
}

static_assert(saturating_add(kMax, 1) == kMax, "usable in constant expressions");

TEST(Saturating, Uint128MultipliesAndAddsAndSaysWhenItClamped) {
  bool saturated = false;
  EXPECT_TRUE(saturating_mul(uint128{1} << 64, uint128{1} << 63, saturated) == uint128{1} << 127);
  EXPECT_TRUE(saturating_add(kUint128Max - 1, 1, saturated) == kUint128Max);
  EXPECT_FALSE(saturated);
  EXPECT_TRUE(saturating_mul(uint128{1} << 64, uint128{1} << 64, saturated) == kUint128Max);
  EXPECT_TRUE(saturated);
  saturated = false;
  EXPECT_TRUE(saturating_add(kUint128Max, 1, saturated) == kUint128Max);
  EXPECT_TRUE(saturated);
}

}  // namespace
}  // namespace x402gw::core
