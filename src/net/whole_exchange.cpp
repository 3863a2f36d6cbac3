#include "net/whole_exchange.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "net/bounded_read.hpp"

namespace x402gw::net {

awaitable<Attempt> write_then_read(Connection& conn, const bhttp::request<bhttp::string_body>& req, AnswerParser& parser,
                                   uint64_t body_limit, std::chrono::steady_clock::time_point deadline) {
  Attempt a;
  parser.emplace();
  parser->body_limit(body_limit);
  conn.tcp().expires_at(deadline);
  auto [wec, wn] = co_await with_stream(conn, [&](auto& s) { return bhttp::async_write(s, req, use_nothrow); });
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
