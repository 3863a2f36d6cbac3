// Per-worker strings lent to requests for their heads.
#include "net/string_pool.hpp"

#include <gtest/gtest.h>

#include "support/allocation_counter.hpp"

using x402gw::net::StringPool;

TEST(StringPool, AReturnedStringIsLentAgainEmptyWithItsCapacity) {
  StringPool pool;
  const char* data = nullptr;
  {
    auto s = pool.lease();
    s->assign(600, 'x');
    data = s->data();
  }
  EXPECT_EQ(pool.idle(), 1u);
  x402gw::test_support::AllocationCounter counter;
  auto again = pool.lease();
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(again->data(), data);
  again->assign(600, 'y');
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(StringPool, AHugeStringIsFreedNotKept) {
  StringPool pool;
  { pool.lease()->assign(StringPool::kKeepCapacity + 1, 'x'); }
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(StringPool, KeepsNoMoreThanAskedAndAMovedLeaseReturnsOnce) {
  StringPool pool(2);
  {
    auto a = pool.lease();
    auto b = pool.lease();
    auto c = pool.lease();
    auto moved = std::move(c);
    moved->assign(100, 'm');
  }
  EXPECT_EQ(pool.idle(), 2u);
}
