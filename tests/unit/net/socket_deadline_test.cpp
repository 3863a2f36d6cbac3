// Socket deadlines on a real loopback socket: a deadline cancels the pending read no earlier than
// it is due, tells the abort apart from others, and leaves the socket usable; a read that
// completes in time is not touched; the worker's loop is not held open once nothing is armed.
#include "net/socket_deadline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/write.hpp>

using namespace x402gw;
using namespace std::chrono_literals;

namespace {

struct Pair {
  asio::io_context ioc;
  net::Acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
  net::Socket writer{ioc};
  net::Socket reader{ioc};
  Pair() {
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
};

std::chrono::milliseconds since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t);
}

}  // namespace

TEST(SocketDeadline, APassedDeadlineCancelsTheReadNeverEarly) {
  Pair p;
  net::Deadlines deadlines;
  net::SocketDeadline deadline(p.reader);
  error_code got;
  std::chrono::milliseconds took{};
  asio::co_spawn(p.ioc, [&]() -> awaitable<void> {
    const auto started = std::chrono::steady_clock::now();
    deadlines.arm(deadline, 120ms);
    char byte;
    auto [ec, n] = co_await p.reader.async_read_some(asio::buffer(&byte, 1), use_nothrow);
    took = since(started);
    got = ec;
  }, asio::detached);
  p.ioc.run();
  EXPECT_EQ(got, asio::error::operation_aborted);
  EXPECT_TRUE(deadline.timed_out(got));
  EXPECT_EQ(deadline.as_timeout(got), beast::error::timeout);
  EXPECT_GE(took, 120ms);
  EXPECT_LT(took, 120ms + 200ms);
  EXPECT_TRUE(p.reader.is_open()) << "the socket stays usable (a 408 can still be written)";
  EXPECT_EQ(deadlines.armed(), 0u);
}

TEST(SocketDeadline, AReadInTimeIsNotCancelledAndTheLoopEnds) {
  Pair p;
  net::Deadlines deadlines;
  net::SocketDeadline deadline(p.reader);
  error_code got = asio::error::would_block;
  asio::co_spawn(p.ioc, [&]() -> awaitable<void> {
    deadlines.arm(deadline, 300ms);
    char byte;
    auto [ec, n] = co_await p.reader.async_read_some(asio::buffer(&byte, 1), use_nothrow);
    deadlines.disarm(deadline);
    got = ec;
  }, asio::detached);
  asio::co_spawn(p.ioc, [&]() -> awaitable<void> {
    co_await asio::async_write(p.writer, asio::buffer("x", 1), use_nothrow);
  }, asio::detached);
  const auto started = std::chrono::steady_clock::now();
  p.ioc.run();
  EXPECT_FALSE(got);
  EXPECT_FALSE(deadline.fired());
  EXPECT_FALSE(deadline.timed_out(asio::error::operation_aborted)) << "another cancellation is not a timeout";
  // The timer's pending wake ends at the disarmed deadline's tick: it holds the loop no longer.
  EXPECT_LT(since(started), 300ms + 200ms);
}

TEST(SocketDeadline, ReArmingLaterKeepsTheReadWaiting) {
  Pair p;
  net::Deadlines deadlines;
  net::SocketDeadline deadline(p.reader);
  net::Timer nudge(p.ioc);
  std::chrono::milliseconds took{};
  asio::co_spawn(p.ioc, [&]() -> awaitable<void> {
    // Re-armed to 250 ms from now after 100 ms: the read must outlive the first deadline.
    nudge.expires_after(100ms);
    co_await nudge.async_wait(use_nothrow);
    deadlines.arm(deadline, 250ms);
  }, asio::detached);
  asio::co_spawn(p.ioc, [&]() -> awaitable<void> {
    const auto started = std::chrono::steady_clock::now();
    deadlines.arm(deadline, 150ms);
    char byte;
    co_await p.reader.async_read_some(asio::buffer(&byte, 1), use_nothrow);
    took = since(started);
  }, asio::detached);
  p.ioc.run();
  EXPECT_TRUE(deadline.fired());
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 350ms + 200ms);
}

TEST(SocketDeadline, StopLetsTheLoopEndWithDeadlinesArmed) {
  Pair p;
  net::Deadlines deadlines;
  net::SocketDeadline deadline(p.reader);
  deadlines.arm(deadline, 60s);
  asio::post(p.ioc, [&] { deadlines.stop(); });
  const auto started = std::chrono::steady_clock::now();
  p.ioc.run();
  EXPECT_LT(since(started), 500ms);
}
