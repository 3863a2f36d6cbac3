// SmallAnswer (a facilitator's, pricer's or chain's answer read without Beast's message) against
// response_parser<string_body>, which read these answers before: same status, body, Retry-After,
// keep-alive and error on each answer, fed whole and byte by byte.
#include "net/small_answer.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <string>
#include <vector>

namespace {

namespace bhttp = boost::beast::http;
using boost::system::error_code;

struct Read {
  error_code ec;
  bool done = false;
  unsigned status = 0;
  std::string body;
  std::string retry_after;
  bool keep_alive = false;
};

// Feeds `wire` in pieces of `step` bytes (as bounded reads would), then the end of the stream.
template <class Parser>
error_code feed(Parser& p, const std::string& wire, size_t step) {
  std::string pending;
  error_code ec;
  for (size_t at = 0; at < wire.size() && !p.is_done();) {
    const size_t take = std::min(step, wire.size() - at);
    pending.append(wire, at, take);
    at += take;
    // Beast's put stops after the header: parse again while the buffer holds bytes it can use.
    while (!pending.empty() && !p.is_done()) {
      const size_t used = p.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        break;
      }
      if (ec) return ec;
      if (used == 0) break;
    }
  }
  if (!p.is_done() && p.got_some()) p.put_eof(ec);
  return ec;
}

Read ours(const std::string& wire, size_t step, uint64_t limit) {
  x402gw::net::SmallAnswer p;
  p.body_limit(limit);
  Read r;
  r.ec = feed(p, wire, step);
  r.done = p.is_done();
  if (r.done) {
    r.status = p.status();
    r.body = p.body();
    r.retry_after = p.retry_after();
    r.keep_alive = p.keep_alive();
  }
  return r;
}

Read beasts(const std::string& wire, size_t step, uint64_t limit) {
  bhttp::response_parser<bhttp::string_body> p;
  p.body_limit(limit);
  Read r;
  r.ec = feed(p, wire, step);
  r.done = p.is_done();
  if (r.done) {
    r.status = p.get().result_int();
    r.body = p.get().body();
    r.retry_after = std::string(p.get()[bhttp::field::retry_after]);
    r.keep_alive = p.get().keep_alive();
  }
  return r;
}

const std::vector<std::string> kAnswers = {
    "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"isValid\":true}\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"suc\r\n0b;x=y\r\ncess\":true}\r\n0\r\nTrailer-X: 1\r\n\r\n",
    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nRetry-After: 9\r\nContent-Length: 2\r\n\r\n{}",
    "HTTP/1.1 503 Service Unavailable\r\nretry-after:  Wed, 21 Oct 2026 07:28:00 GMT \r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"success\":false,\"errorReason\":\"x\"}",
    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}",
    "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'a'),
    "HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n" + std::string(65, 'a'),
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n" + std::string(65, 'b') + "\r\n0\r\n\r\n",
    "HTTP/1.1 204 No Content\r\nRetry-After: 1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    "HTTP/1.1 2000 OK\r\n\r\n",
    "garbage\r\n\r\n",
};

TEST(SmallAnswer, ReadsWhatResponseParserReads) {
  for (const auto& wire : kAnswers) {
    for (size_t step : {wire.size(), size_t{1}, size_t{7}}) {
      const Read a = ours(wire, step, 64);
      const Read b = beasts(wire, step, 64);
      EXPECT_EQ(a.ec, b.ec) << wire << " step " << step;
      EXPECT_EQ(a.done, b.done) << wire;
      EXPECT_EQ(a.status, b.status) << wire;
      EXPECT_EQ(a.body, b.body) << wire;
      EXPECT_EQ(a.retry_after, b.retry_after) << wire;
      EXPECT_EQ(a.keep_alive, b.keep_alive) << wire;
    }
  }
}

TEST(SmallAnswer, KeepsStatusBodyAndTheFirstRetryAfter) {
  const Read r = ours(kAnswers[2], 3, 1024);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.retry_after, "7");
  EXPECT_EQ(r.body, "{}");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(ours(kAnswers[1], 1, 1024).body, "{\"success\":true}");
  EXPECT_EQ(ours(kAnswers[7], 100, 64).ec, bhttp::error::body_limit);
}

}  // namespace
