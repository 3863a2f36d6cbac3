// The deadline wheel's bookkeeping on a fake clock: an entry fires at its deadline's tick, never
// before its deadline and never more than one tick after it; re-arming later only moves the
// timestamp; far deadlines survive the wheel's wrap-around.
#include "net/deadline_wheel.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace x402gw::net;

namespace {

// Advances a fake clock 1 ms at a time and records when each entry fired.
struct WheelRun {
  DeadlineWheel wheel;
  uint64_t now;
  std::vector<std::pair<const DeadlineEntry*, uint64_t>> fired;

  WheelRun(uint64_t tick, uint64_t start) : wheel(tick, start), now(start) {}
  void until(uint64_t t) {
    for (; now <= t; ++now) wheel.expire(now, [&](DeadlineEntry& e) { fired.emplace_back(&e, now); });
    --now;
  }
  std::optional<uint64_t> fired_at(const DeadlineEntry& e) const {
    for (auto& [p, t] : fired)
      if (p == &e) return t;
    return std::nullopt;
  }
};

}  // namespace

TEST(DeadlineWheel, AnEntryFiresAtItsTickNeverBeforeItsDeadline) {
  for (uint64_t deadline : {1001u, 1009u, 1010u, 1011u, 1055u, 1100u}) {
    WheelRun r(10, 1000);
    DeadlineEntry e;
    r.wheel.arm(e, deadline);
    r.until(deadline - 1);
    EXPECT_FALSE(e.fired()) << deadline;
    r.until(deadline + 20);
    ASSERT_TRUE(r.fired_at(e)) << deadline;
    EXPECT_GE(*r.fired_at(e), deadline);
    EXPECT_LE(*r.fired_at(e), deadline + 9) << "late by a tick at most";
    EXPECT_TRUE(e.fired());
    EXPECT_FALSE(e.armed());
    EXPECT_EQ(r.wheel.size(), 0u);
  }
}

TEST(DeadlineWheel, EntriesFireInDeadlineOrder) {
  WheelRun r(10, 0);
  DeadlineEntry a, b, c;
  r.wheel.arm(c, 300);
  r.wheel.arm(a, 50);
  r.wheel.arm(b, 120);
  r.until(400);
  ASSERT_EQ(r.fired.size(), 3u);
  EXPECT_EQ(r.fired[0].first, &a);
  EXPECT_EQ(r.fired[1].first, &b);
  EXPECT_EQ(r.fired[2].first, &c);
}

TEST(DeadlineWheel, ALaterDeadlineOnlyRewritesTheTimestampAndIsKept) {
  WheelRun r(10, 0);
  DeadlineEntry e;
  r.wheel.arm(e, 100);
  const uint64_t filed = r.wheel.check_time(e);
  r.wheel.arm(e, 500);
  EXPECT_EQ(r.wheel.check_time(e), filed) << "not moved";
  EXPECT_EQ(e.deadline(), 500u);
  r.until(499);
  EXPECT_FALSE(e.fired()) << "its old tick refiled it";
  EXPECT_TRUE(e.armed());
  r.until(520);
  ASSERT_TRUE(r.fired_at(e));
  EXPECT_GE(*r.fired_at(e), 500u);
  EXPECT_LE(*r.fired_at(e), 509u);
}

TEST(DeadlineWheel, AnEarlierDeadlineMovesTheEntry) {
  WheelRun r(10, 0);
  DeadlineEntry e;
  r.wheel.arm(e, 5000);
  r.wheel.arm(e, 30);
  EXPECT_EQ(r.wheel.check_time(e), 30u);
  r.until(40);
  EXPECT_EQ(r.fired_at(e), 30u);
}

TEST(DeadlineWheel, DisarmedOrDestroyedEntriesNeverFire) {
  WheelRun r(10, 0);
  DeadlineEntry kept;
  r.wheel.arm(kept, 80);
  {
    DeadlineEntry gone;
    r.wheel.arm(gone, 50);
    EXPECT_EQ(r.wheel.size(), 2u);
  }
  DeadlineEntry off;
  r.wheel.arm(off, 50);
  r.wheel.disarm(off);
  EXPECT_EQ(r.wheel.size(), 1u);
  r.until(200);
  ASSERT_EQ(r.fired.size(), 1u);
  EXPECT_EQ(r.fired[0].first, &kept);
  EXPECT_FALSE(off.fired());
}

TEST(DeadlineWheel, ReArmingClearsFired) {
  WheelRun r(10, 0);
  DeadlineEntry e;
  r.wheel.arm(e, 20);
  r.until(30);
  EXPECT_TRUE(e.fired());
  r.wheel.arm(e, 100);
  EXPECT_FALSE(e.fired());
  r.wheel.disarm(e);
  EXPECT_FALSE(e.fired());
}

TEST(DeadlineWheel, DeadlinesBeyondTheWheelsSpanWaitTheirTurn) {
  // 256 slots of 10 ms: 2.56 s. A 60 s deadline shares its slot with nearer ticks.
  WheelRun r(10, 0);
  DeadlineEntry far, near;
  r.wheel.arm(far, 60'000);
  r.wheel.arm(near, 60'000 % 2560);  // the same slot, a round earlier
  r.until(59'999);
  EXPECT_TRUE(near.fired());
  EXPECT_FALSE(far.fired());
  r.until(60'010);
  ASSERT_TRUE(r.fired_at(far));
  EXPECT_EQ(*r.fired_at(far), 60'000u);
}

TEST(DeadlineWheel, ALongGapLooksAtEveryTickOnce) {
  WheelRun r(10, 0);
  DeadlineEntry a, b, later;
  r.wheel.arm(a, 100);
  r.wheel.arm(b, 2000);
  r.wheel.arm(later, 90'000);
  size_t fired = r.wheel.expire(50'000, [](DeadlineEntry&) {});  // the loop was away for 50 s
  EXPECT_EQ(fired, 2u);
  EXPECT_TRUE(a.fired());
  EXPECT_TRUE(b.fired());
  EXPECT_FALSE(later.fired());
  EXPECT_EQ(r.wheel.size(), 1u);
  EXPECT_EQ(r.wheel.expire(89'999, [](DeadlineEntry&) {}), 0u);
  EXPECT_EQ(r.wheel.expire(90'000, [](DeadlineEntry&) {}), 1u);
}

TEST(DeadlineWheel, NextCheckIsTheFirstFilledTick) {
  DeadlineWheel wheel(10, 1000);
  EXPECT_FALSE(wheel.next_check());
  DeadlineEntry a, b;
  wheel.arm(a, 1733);
  EXPECT_EQ(wheel.next_check(), 1740u);
  wheel.arm(b, 1201);
  EXPECT_EQ(wheel.next_check(), 1210u);
  wheel.disarm(b);
  EXPECT_EQ(wheel.next_check(), 1740u);
  wheel.disarm(a);
  EXPECT_FALSE(wheel.next_check());
  // A deadline in the past is looked at on the next tick, never on a tick already passed.
  wheel.expire(1500, [](DeadlineEntry&) {});
  wheel.arm(a, 900);
  EXPECT_EQ(wheel.next_check(), 1510u);
}
