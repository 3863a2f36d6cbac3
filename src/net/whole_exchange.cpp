#include "net/whole_exchange.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <string>

#include "net/bounded_read.hpp"
#include "net/head_writer.hpp"

namespace x402gw::net {

awaitable<Attempt> write_then_read(Connection& conn, const bhttp::request<bhttp::string_body>& req, AnswerParser& parser,
                                   uint64_t body_limit, std::chrono::steady_clock::time_point deadline) {
  Attempt a;
  parser.emplace();
  parser->body_limit(body_limit);
  conn.tcp().expires_at(deadline);
  boost::system::error_code wec;
  if (req.chunked()) {
    auto [ec, n] = co_await with_stream(conn, [&](auto& s) { return bhttp::async_write(s, req, use_nothrow); });
    wec = ec;
  } else {
    // The head written by hand (the bytes Beast's serializer writes, head_writer.hpp) and the body
    // after it, in one buffer and one write: no serializer, no composed write over a buffer
    // sequence, on every facilitator call of every paid request.
    std::string bytes;
    bytes.reserve(512 + req.body().size());
    append_request_head(bytes, req);
    bytes += req.body();
    auto [ec, n] = co_await with_stream(conn, [&](auto& s) { return boost::asio::async_write(s, boost::asio::buffer(bytes), use_nothrow); });
    wec = ec;
  }
  if (wec) {
    a.failure = {Phase::write, wec};
    co_return a;
  }
  a.request_written = true;
  conn.tcp().expires_at(deadline);
  auto [rec, rn] = co_await with_stream(conn, [&](auto& s) { return read_bounded(s, conn.buffer, *parser); });
  a.answer_started = rn > 0;
  if (rec) a.failure = {Phase::read, rec};
  co_return a;
}

}  // namespace x402gw::net
