#include "x402/money.hpp"

#include <gtest/gtest.h>

using namespace x402gw::x402;

namespace {
std::string ok(std::string_view text, int decimals) {
  auto r = to_atomic_units(text, decimals);
  EXPECT_TRUE(std::holds_alternative<std::string>(r)) << text;
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}
MoneyError err(std::string_view text, int decimals) {
  auto r = to_atomic_units(text, decimals);
  EXPECT_TRUE(std::holds_alternative<MoneyError>(r)) << text;
  return std::holds_alternative<MoneyError>(r) ? std::get<MoneyError>(r) : MoneyError::empty;
}
}  // namespace

TEST(Money, DollarsToUsdcUnits) {
  EXPECT_EQ(ok("$0.01", 6), "10000");
  EXPECT_EQ(ok("$0.001", 6), "1000");
  EXPECT_EQ(ok("$1", 6), "1000000");
  EXPECT_EQ(ok("$12.5", 6), "12500000");
  EXPECT_EQ(ok("$.5", 6), "500000");
  EXPECT_EQ(ok("$0.000001", 6), "1");
  EXPECT_EQ(ok("$1_000", 6), "1000000000");
}

TEST(Money, SevenDecimalStellarUsdc) { EXPECT_EQ(ok("$0.0000001", 7), "1"); }

TEST(Money, EightDecimalSbtc) { EXPECT_EQ(ok("0.00000123", 8), "123"); }

TEST(Money, ManyDecimalsWithoutFloatingPointDrift) {
  // 0.1 + 0.2 style values must stay exact.
  EXPECT_EQ(ok("0.3", 18), "300000000000000000");
  EXPECT_EQ(ok("123456789.123456789012345678", 18), "123456789123456789012345678");
  EXPECT_EQ(ok("0.29", 2), "29");
}

TEST(Money, TrailingZerosBeyondPrecisionAreHarmless) { EXPECT_EQ(ok("$0.0100000000", 6), "10000"); }

TEST(Money, RoundingToZeroIsAnError) {
  EXPECT_EQ(err("$0.0000001", 6), MoneyError::too_precise);
  EXPECT_EQ(err("$0", 6), MoneyError::zero);
  EXPECT_EQ(err("0.000000", 6), MoneyError::zero);
}

TEST(Money, NeverRoundsSilently) { EXPECT_EQ(err("$0.0123456", 6), MoneyError::too_precise); }

TEST(Money, RejectsMalformed) {
  EXPECT_EQ(err("", 6), MoneyError::empty);
  EXPECT_EQ(err("$", 6), MoneyError::empty);
  EXPECT_EQ(err("$-1", 6), MoneyError::malformed);
  EXPECT_EQ(err("1e-3", 6), MoneyError::malformed);
  EXPECT_EQ(err("0.", 6), MoneyError::malformed);
  EXPECT_EQ(err("1.2.3", 6), MoneyError::malformed);
  EXPECT_EQ(err("abc", 6), MoneyError::malformed);
  EXPECT_EQ(err(std::string(80, '9'), 6), MoneyError::too_large);
}

TEST(Money, AtomicHelpers) {
  EXPECT_TRUE(is_atomic_amount("0"));
  EXPECT_TRUE(is_atomic_amount("10000"));
  EXPECT_FALSE(is_atomic_amount("010"));
  EXPECT_FALSE(is_atomic_amount("1.0"));
  EXPECT_FALSE(is_atomic_amount(""));
  EXPECT_LT(compare_atomic("999", "1000"), 0);
  EXPECT_EQ(compare_atomic("1000", "1000"), 0);
  EXPECT_GT(compare_atomic("1001", "1000"), 0);
  EXPECT_EQ(add_atomic("999", "1"), "1000");
  EXPECT_EQ(add_atomic("0", "0"), "0");
  EXPECT_EQ(add_atomic("18446744073709551615", "1"), "18446744073709551616");
  EXPECT_EQ(format_units("10000", 6), "0.01");
  EXPECT_EQ(format_units("1000000", 6), "1");
  EXPECT_EQ(format_units("1", 7), "0.0000001");
}
