// Pool ageing and limits: what goes back into a worker's pool and what comes out again.
#include "net/connection.hpp"

#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <poll.h>

#include <cstring>
#include <vector>

using namespace x402gw;
using namespace std::chrono_literals;
using net::Connection;
using net::ConnectionPool;

namespace {
// Connections over real loopback sockets: the pool checks each one's socket before reuse.
struct PoolTest : ::testing::Test {
  asio::io_context ioc;
  net::Acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::vector<net::Socket> peers;  // the upstream ends, kept open

  std::unique_ptr<Connection> open_connection() {
    net::TcpStream stream(ioc);
    stream.socket().connect(acceptor.local_endpoint());
    peers.push_back(acceptor.accept());
    return std::make_unique<Connection>(std::move(stream));
  }
  // Waits (at most a second) until the connection's socket has something to read or is closed.
  static void wait_readable(Connection& c) {
    pollfd p{c.tcp().socket().native_handle(), POLLIN, 0};
    ::poll(&p, 1, 1000);
  }
};
}  // namespace

TEST_F(PoolTest, AYoungIdleConnectionIsReused) {
  ConnectionPool pool;
  pool.put("k", open_connection(), 4);
  auto c = pool.take("k", 10s, std::chrono::steady_clock::now() + 5s);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->reused);
  EXPECT_EQ(pool.idle("k"), 0u);
}

TEST_F(PoolTest, AConnectionIdleLongerThanTheAgeIsDropped) {
  ConnectionPool pool;
  pool.put("k", open_connection(), 4);
  EXPECT_FALSE(pool.take("k", 10s, std::chrono::steady_clock::now() + 11s));
  EXPECT_EQ(pool.idle("k"), 0u);
}

TEST_F(PoolTest, KeysAreSeparate) {
  ConnectionPool pool;
  pool.put("a", open_connection(), 4);
  EXPECT_FALSE(pool.take("b", 10s));
  EXPECT_TRUE(pool.take("a", 10s));
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
  EXPECT_FALSE(pool.take("k", 10s));
}

// An upstream that sent bytes past its last answer (or an answer nobody asked for): whatever the
// request, the connection is never used, so those bytes never become another client's answer.
TEST_F(PoolTest, AConnectionWithStrayBytesWaitingIsNeverTaken) {
  ConnectionPool pool;
  auto c = open_connection();
  Connection& conn = *c;
  pool.put("k", std::move(c), 4);
  asio::write(peers.back(), asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot yours")));
  wait_readable(conn);
  EXPECT_FALSE(pool.take("k", 10s));
  EXPECT_EQ(pool.idle("k"), 0u);
}

TEST_F(PoolTest, AConnectionThePeerClosedIsNeverTaken) {
  ConnectionPool pool;
  auto c = open_connection();
  Connection& conn = *c;
  pool.put("k", std::move(c), 4);
  peers.back().close();
  wait_readable(conn);
  EXPECT_FALSE(pool.take("k", 10s));
}

TEST_F(PoolTest, OnlyTheSpoiledConnectionIsSkipped) {
  ConnectionPool pool;
  pool.put("k", open_connection(), 4);
  auto spoiled = open_connection();
  Connection& conn = *spoiled;
  pool.put("k", std::move(spoiled), 4);  // taken first (the most recently pooled)
  asio::write(peers.back(), asio::buffer(std::string("x")));
  wait_readable(conn);
  auto c = pool.take("k", 10s);
  ASSERT_TRUE(c);
  EXPECT_NE(c.get(), &conn);
}
