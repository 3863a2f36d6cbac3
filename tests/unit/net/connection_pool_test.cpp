// Pool ageing and limits: what goes back into a worker's pool and what comes out again.
#include "net/connection.hpp"

#include <gtest/gtest.h>

using namespace x402gw;
using namespace std::chrono_literals;
using net::Connection;
using net::ConnectionPool;

namespace {
struct PoolTest : ::testing::Test {
  asio::io_context ioc;
  std::unique_ptr<Connection> open_connection() {
    beast::tcp_stream stream(ioc);
    stream.socket().open(tcp::v4());
    return std::make_unique<Connection>(std::move(stream));
  }
};
}  // namespace

TEST_F(PoolTest, AYoungIdleConnectionIsReused) {
  ConnectionPool pool;
  pool.put("k", open_connection(), 4);
  auto c = pool.take("k", 10s, false, std::chrono::steady_clock::now() + 5s);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->reused);
  EXPECT_EQ(pool.idle("k"), 0u);
}

TEST_F(PoolTest, AConnectionIdleLongerThanTheAgeIsDropped) {
  ConnectionPool pool;
  pool.put("k", open_connection(), 4);
  EXPECT_FALSE(pool.take("k", 10s, false, std::chrono::steady_clock::now() + 11s));
  EXPECT_EQ(pool.idle("k"), 0u);
}

TEST_F(PoolTest, KeysAreSeparate) {
  ConnectionPool pool;
  pool.put("a", open_connection(), 4);
  EXPECT_FALSE(pool.take("b", 10s, false));
  EXPECT_TRUE(pool.take("a", 10s, false));
}

TEST_F(PoolTest, HoldsNoMoreThanTheLimit) {
  ConnectionPool pool;
  for (int i = 0; i < 5; ++i) pool.put("k", open_connection(), 2);
  EXPECT_EQ(pool.idle("k"), 2u);
}

TEST_F(PoolTest, AConnectionWithUnreadBytesIsNotPooled) {
  ConnectionPool pool;
  auto c = open_connection();
  auto b = c->buffer.prepare(3);
  std::memcpy(b.data(), "abc", 3);
  c->buffer.commit(3);
  pool.put("k", std::move(c), 4);
  EXPECT_EQ(pool.idle("k"), 0u);
}

TEST_F(PoolTest, AClosedConnectionIsNotTaken) {
  ConnectionPool pool;
  auto c = open_connection();
  error_code ignored;
  c->tcp().socket().close(ignored);
  pool.put("k", std::move(c), 4);
  EXPECT_FALSE(pool.take("k", 10s, false));
}
