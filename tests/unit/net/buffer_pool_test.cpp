#include "net/buffer_pool.hpp"

#include <gtest/gtest.h>

using x402gw::net::BufferPool;

TEST(BufferPool, ReturnedBufferIsLentAgain) {
  BufferPool pool;
  char* first = nullptr;
  {
    auto lease = pool.lease();
    first = lease.data();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(lease.size(), BufferPool::kBufferSize);
    EXPECT_EQ(pool.idle(), 0u);
  }
  EXPECT_EQ(pool.idle(), 1u);
  auto again = pool.lease();
  EXPECT_EQ(again.data(), first);
}

TEST(BufferPool, ConcurrentLeasesAreDistinct) {
  BufferPool pool;
  auto a = pool.lease();
  auto b = pool.lease();
  EXPECT_NE(a.data(), b.data());
}

TEST(BufferPool, KeepsNoMoreThanItsBound) {
  BufferPool pool(2);
  {
    auto a = pool.lease();
    auto b = pool.lease();
    auto c = pool.lease();
  }
  EXPECT_EQ(pool.idle(), 2u);
}

TEST(BufferPool, MovedLeaseReturnsOnce) {
  BufferPool pool;
  {
    auto a = pool.lease();
    auto b = std::move(a);
  }
  EXPECT_EQ(pool.idle(), 1u);
}
