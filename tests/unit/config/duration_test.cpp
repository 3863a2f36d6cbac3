#include "config/duration.hpp"

#include <gtest/gtest.h>

using namespace x402gw::config;
using namespace std::chrono_literals;

TEST(Duration, Units) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("30s"), 30s);
  EXPECT_EQ(parse_duration("30"), 30s);
  EXPECT_EQ(parse_duration("2m"), 2min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_FALSE(parse_duration("1.5s"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("10 parsecs"));
}

TEST(Size, Units) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("16KiB"), 16384u);
  EXPECT_EQ(parse_size("16KB"), 16000u);
  EXPECT_EQ(parse_size("10MiB"), 10485760u);
  EXPECT_EQ(parse_size("1GiB"), 1073741824u);
  EXPECT_FALSE(parse_size("10 furlongs"));
  EXPECT_FALSE(parse_size("-1"));
}
