#include "facilitator/retry_after.hpp"

#include <gtest/gtest.h>

namespace x402gw::facilitator {
namespace {

using namespace std::chrono_literals;

// 1994-11-06T08:49:37Z, the RFC's example date.
const auto kExample = std::chrono::system_clock::time_point{} + 784111777s;

TEST(RetryAfter, DelaySeconds) {
  EXPECT_EQ(parse_retry_after("120", kExample), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", kExample), 0s);
  EXPECT_EQ(parse_retry_after("99999999999999999999", kExample), 999'999'999s);  // no overflow
}

TEST(RetryAfter, TheThreeDateForms) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", kExample), 60s);   // IMF-fixdate
  // RFC 850 with its two-digit year: in 1994, "94" is 1994; "95" next year; "45" (more than 50
  // years ahead as 2045) is 1945, in the past.
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", kExample), 10s);
  EXPECT_EQ(parse_retry_after("Monday, 06-Nov-95 08:49:37 GMT", kExample), 365 * 86400s);
  EXPECT_EQ(parse_retry_after("Tuesday, 06-Nov-45 08:49:37 GMT", kExample), std::nullopt);  // before 1970: refused
  EXPECT_EQ(parse_retry_after("Friday, 06-Nov-26 08:49:37 GMT", kExample + 30 * 365 * 86400s).has_value(), true);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:57 1994", kExample), 20s);         // asctime
  EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", kExample), 86400s);
}

TEST(RetryAfter, ADateInThePastIsNoWait) {
  EXPECT_EQ(parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", kExample), 0s);
}

TEST(RetryAfter, MalformedValues) {
  for (const char* bad : {"", "  ", "-5", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing", "120s"})
    EXPECT_FALSE(parse_retry_after(bad, kExample)) << bad;
}

}  // namespace
}  // namespace x402gw::facilitator
