// net/bounded_read over real loopback sockets: a peer that sends without end meets the buffer's
// cap or the framing bounds, never a buffer that grows; end of stream reads as Beast's does.
#include "net/bounded_read.hpp"

#include <gtest/gtest.h>

#include <boost/asio/write.hpp>
#include <string>

#include "net/connection.hpp"

using namespace x402gw;

namespace {

struct Pair {
  asio::io_context ioc;
  net::Socket reader{ioc}, writer{ioc};
  Pair() {
    net::Acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
};

// Writes `head`, then `filler` again and again (up to `total` bytes) unless `close_after`, then closes.
awaitable<void> send(net::Socket& s, std::string head, std::string filler, size_t total, bool close_after) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(head), use_nothrow);
  for (size_t sent = 0; !ec && sent < total; sent += filler.size()) {
    auto [wec, wn] = co_await asio::async_write(s, asio::buffer(filler), use_nothrow);
    ec = wec;
  }
  if (close_after) s.close();
}

const std::string kChunkedHead = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST(BoundedRead, EachRefusalKeepsTheBufferUnderItsCap) {
  struct Case {
    std::string head, filler;
    error_code expected;
  };
  const Case cases[] = {
      {kChunkedHead + "1;", std::string(64 * 1024, 'a'), net::FramingError::chunk_line_too_long},
      {kChunkedHead + "3\r\nabc\r\n0\r\n", std::string("X-T: 1\r\n"), net::FramingError::trailers_too_large},
      {"GET / HTTP/1.1\r\nX: ", std::string(64 * 1024, 'a'), bhttp::error::header_limit},
  };
  for (const Case& c : cases) {
    Pair p;
    bhttp::request_parser<bhttp::buffer_body> parser;
    beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
    asio::co_spawn(p.ioc, send(p.writer, c.head, c.filler, 64 << 20, false), asio::detached);
    error_code result;
    size_t peak = 0;
    asio::co_spawn(p.ioc, [&]() -> awaitable<void> {
      char scratch[4096];
      for (;;) {
        parser.get().body().data = scratch;
        parser.get().body().size = sizeof scratch;
        auto [ec, n] = co_await net::read_some_bounded(p.reader, buffer, parser);
        peak = std::max(peak, buffer.size());
        if (ec == bhttp::error::need_buffer) continue;
        if (ec || parser.is_done()) {
          result = ec;
          break;
        }
      }
      error_code ignored;
      p.reader.close(ignored);
      p.writer.close(ignored);
    }, asio::detached);
    p.ioc.run();
    EXPECT_EQ(result, c.expected) << c.head << ": " << result.message();
    EXPECT_LE(peak, buffer.max_size());
    EXPECT_LE(peak, net::read_buffer_cap(16 * 1024));
  }
}

TEST(BoundedRead, TheEndOfTheStreamReadsAsBeastSaysIt) {
  struct Case {
    std::string bytes;
    error_code expected;
  };
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\n\r\nall of it", error_code{}},                                       // delimited by the close
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", bhttp::error::partial_message},
      {"", bhttp::error::end_of_stream},
  };
  for (const Case& c : cases) {
    Pair p;
    bhttp::response_parser<bhttp::string_body> parser;
    beast::flat_buffer buffer(net::read_buffer_cap(net::kResponseHeaderLimit));
    asio::co_spawn(p.ioc, send(p.writer, c.bytes, "", 0, true), asio::detached);
    error_code result;
    asio::co_spawn(p.ioc, [&]() -> awaitable<void> {
      auto [ec, n] = co_await net::read_bounded(p.reader, buffer, parser);
      result = ec;
    }, asio::detached);
    p.ioc.run();
    EXPECT_EQ(result, c.expected) << c.bytes;
    if (!c.expected) {
      EXPECT_EQ(parser.get().body(), "all of it");
    }
  }
}

TEST(BoundedRead, AnUpstreamConnectionsBufferHasItsCap) {
  asio::io_context ioc;
  net::Connection conn{net::TcpStream(ioc)};
  EXPECT_EQ(conn.buffer.max_size(), net::read_buffer_cap(net::kResponseHeaderLimit));
}
