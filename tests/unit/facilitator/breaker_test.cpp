// The breaker, state by state, with an injected clock.
#include "facilitator/breaker.hpp"

#include <gtest/gtest.h>

namespace x402gw::facilitator {
namespace {

using namespace std::chrono_literals;
using Clock = Breaker::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;

config::BreakerSettings settings(int failures, std::chrono::milliseconds open_for) { return {failures, open_for}; }

TEST(Breaker, ClosedCountsOnlyConsecutiveFailures) {
  Breaker b(settings(3, 10s));
  EXPECT_EQ(b.admit(t0), Admission::allowed);
  EXPECT_FALSE(b.record(Admission::allowed, false, t0, "boom"));
  EXPECT_FALSE(b.record(Admission::allowed, false, t0, "boom"));
  EXPECT_FALSE(b.record(Admission::allowed, true, t0));  // a success resets the count
  EXPECT_FALSE(b.record(Admission::allowed, false, t0, "boom"));
  EXPECT_FALSE(b.record(Admission::allowed, false, t0, "boom"));
  EXPECT_EQ(b.snapshot(t0).state, BreakerState::closed);
  EXPECT_EQ(b.snapshot(t0).consecutive_failures, 2);
}

TEST(Breaker, OpensAfterNFailuresAndRefusesUntilOpenForPassed) {
  Breaker b(settings(2, 10s));
  b.record(Admission::allowed, false, t0, "first");
  auto t = b.record(Admission::allowed, false, t0, "second");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::closed);
  EXPECT_EQ(t->to, BreakerState::open);
  EXPECT_EQ(b.admit(t0), Admission::refused);
  EXPECT_EQ(b.admit(t0 + 9999ms), Admission::refused);
  const auto s = b.snapshot(t0 + 4s);
  EXPECT_EQ(s.state, BreakerState::open);
  EXPECT_EQ(s.open_remaining, 6s);
  EXPECT_EQ(s.last_failure, "second");
}

TEST(Breaker, HalfOpenLetsOneProbeThrough) {
  Breaker b(settings(1, 10s));
  b.record(Admission::allowed, false, t0, "down");
  EXPECT_EQ(b.snapshot(t0 + 10s).state, BreakerState::half_open);  // its time is up
  std::optional<BreakerTransition> moved;
  EXPECT_EQ(b.admit(t0 + 10s, &moved), Admission::probe);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->from, BreakerState::open);
  EXPECT_EQ(moved->to, BreakerState::half_open);
  EXPECT_EQ(b.admit(t0 + 10s), Admission::refused);  // one probe at a time
  EXPECT_EQ(b.admit(t0 + 15s), Admission::refused);
}

TEST(Breaker, ASuccessfulProbeCloses) {
  Breaker b(settings(1, 10s));
  b.record(Admission::allowed, false, t0, "down");
  ASSERT_EQ(b.admit(t0 + 10s), Admission::probe);
  auto t = b.record(Admission::probe, true, t0 + 11s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, BreakerState::closed);
  EXPECT_EQ(b.admit(t0 + 11s), Admission::allowed);
  EXPECT_EQ(b.snapshot(t0 + 11s).consecutive_failures, 0);
}

TEST(Breaker, AFailedProbeReopensForAnotherOpenFor) {
  Breaker b(settings(1, 10s));
  b.record(Admission::allowed, false, t0, "down");
  ASSERT_EQ(b.admit(t0 + 10s), Admission::probe);
  auto t = b.record(Admission::probe, false, t0 + 12s, "still down");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::half_open);
  EXPECT_EQ(t->to, BreakerState::open);
  EXPECT_EQ(b.admit(t0 + 21s), Admission::refused);
  EXPECT_EQ(b.admit(t0 + 22s), Admission::probe);
}

TEST(Breaker, AnAbandonedProbeFreesItsSlotAfterOpenFor) {
  Breaker b(settings(1, 10s));
  b.record(Admission::allowed, false, t0, "down");
  ASSERT_EQ(b.admit(t0 + 10s), Admission::probe);  // its result never comes
  EXPECT_EQ(b.admit(t0 + 19s), Admission::refused);
  EXPECT_EQ(b.admit(t0 + 20s), Admission::probe);
}

TEST(Breaker, LateResultsOfCallsLetThroughWhileClosedDoNotDecide) {
  Breaker b(settings(1, 10s));
  b.record(Admission::allowed, false, t0, "down");
  EXPECT_FALSE(b.record(Admission::allowed, true, t0 + 1s));  // started before it opened
  EXPECT_EQ(b.snapshot(t0 + 1s).state, BreakerState::open);
  ASSERT_EQ(b.admit(t0 + 10s), Admission::probe);
  EXPECT_FALSE(b.record(Admission::allowed, true, t0 + 10s));
  EXPECT_EQ(b.snapshot(t0 + 10s).state, BreakerState::half_open);
}

TEST(Breaker, RetryAfterHoldsItOpenUntilThen) {
  Breaker b(settings(5, 10s));
  auto t = b.hold_until(t0 + 60s, t0, "429");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::closed);
  EXPECT_EQ(t->to, BreakerState::open);
  EXPECT_EQ(b.admit(t0 + 59s), Admission::refused);
  EXPECT_EQ(b.admit(t0 + 60s), Admission::probe);
  // A shorter hold never cuts a longer one short; a hold in the past does nothing.
  Breaker c(settings(1, 100s));
  c.record(Admission::allowed, false, t0, "down");
  EXPECT_FALSE(c.hold_until(t0 + 5s, t0, "503"));
  EXPECT_EQ(c.admit(t0 + 50s), Admission::refused);
  EXPECT_FALSE(Breaker(settings(1, 1s)).hold_until(t0, t0 + 1s, "past"));
}

TEST(Breaker, ARetryAfterDuringAProbeReopens) {
  Breaker b(settings(1, 10s));
  b.record(Admission::allowed, false, t0, "down");
  ASSERT_EQ(b.admit(t0 + 10s), Admission::probe);
  auto t = b.hold_until(t0 + 40s, t0 + 10s, "429");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, BreakerState::open);
  EXPECT_FALSE(b.record(Admission::probe, true, t0 + 11s));  // the probe no longer decides
  EXPECT_EQ(b.admit(t0 + 39s), Admission::refused);
}

TEST(Breaker, ReconfiguringKeepsTheState) {
  Breaker b(settings(2, 10s));
  b.record(Admission::allowed, false, t0, "down");
  b.configure(settings(1, 10s));
  EXPECT_EQ(b.snapshot(t0).consecutive_failures, 1);
  EXPECT_TRUE(b.record(Admission::allowed, false, t0, "down"));
  EXPECT_EQ(state_name(b.snapshot(t0).state), "open");
}

}  // namespace
}  // namespace x402gw::facilitator
