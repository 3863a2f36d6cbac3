// ClientIo's read deadlines over a real loopback socket: timeouts.body_io bounds each read, and
// timeouts.request_body the whole body, however the client drips it.
#include "net/client_io.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "net/request_body.hpp"

using namespace x402gw;
using namespace std::chrono_literals;

namespace {

struct Dripped {
  std::optional<net::BodyFailure> failure;
  std::string body;
  std::chrono::milliseconds took{};
};

// A request with a 20-byte body, its body written one byte every `every`; read whole with the
// given deadlines.
Dripped read_dripped(std::chrono::milliseconds every, std::chrono::milliseconds io_timeout, std::chrono::milliseconds body_timeout) {
  asio::io_context ioc;
  net::Acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  net::Socket writer(ioc);
  writer.connect(acceptor.local_endpoint());
  net::TcpStream tcp(acceptor.accept());
  net::ClientStream client(tcp);
  beast::flat_buffer buffer(32 * 1024);
  net::RequestParser parser;
  const std::string head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n";
  error_code ec;
  std::memcpy(buffer.prepare(head.size()).data(), head.data(), head.size());
  buffer.commit(head.size());
  buffer.consume(parser.put(buffer.data(), ec));
  EXPECT_TRUE(parser.is_header_done()) << ec.message();
  net::Deadlines deadlines;
  net::ClientDeadline watchdog(tcp, deadlines);
  net::ClientIo io(client, buffer, parser, watchdog, io_timeout, body_timeout);
  char chunk[4096];
  io.chunk = chunk;
  io.chunk_size = sizeof chunk;

  Dripped out;
  asio::co_spawn(ioc, [&]() -> awaitable<void> {
    net::Timer timer(ioc);
    for (int i = 0; i < 20 && writer.is_open(); ++i) {
      timer.expires_after(every);
      co_await timer.async_wait(use_nothrow);
      co_await asio::async_write(writer, asio::buffer("x", 1), use_nothrow);
    }
  }, asio::detached);
  asio::co_spawn(ioc, [&]() -> awaitable<void> {
    const auto started = std::chrono::steady_clock::now();
    out.failure = co_await net::read_whole_body(io, out.body);
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    error_code ignored;
    writer.close(ignored);
  }, asio::detached);
  ioc.run();
  return out;
}

}  // namespace

TEST(ClientIo, TheWholeBodyHasItsOwnDeadlineThatDrippingCannotStretch) {
  // Each byte comes well within io_timeout; the whole body would take 20 x 50 ms = 1 s.
  Dripped d = read_dripped(50ms, 2s, 300ms);
  ASSERT_TRUE(d.failure);
  EXPECT_EQ(d.failure->error, core::Error::request_timeout);
  EXPECT_GE(d.took, 250ms);
  EXPECT_LT(d.took, 800ms);
}

TEST(ClientIo, ABodyWithinItsDeadlineIsReadWhole) {
  Dripped d = read_dripped(10ms, 2s, 3s);
  EXPECT_FALSE(d.failure) << d.failure->message;
  EXPECT_EQ(d.body, std::string(20, 'x'));
}

TEST(ClientIo, EachReadStillHasTheIoTimeout) {
  Dripped d = read_dripped(400ms, 100ms, 10s);
  ASSERT_TRUE(d.failure);
  EXPECT_EQ(d.failure->error, core::Error::request_timeout);
  EXPECT_LT(d.took, 350ms);
}
