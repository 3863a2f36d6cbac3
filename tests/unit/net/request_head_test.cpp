// A client's request head parsed without a field container, and its body streamed through it.
#include "net/request_head.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <memory>
#include <string>

using namespace x402gw;
using net::RequestHead;

namespace {

namespace bhttp = boost::beast::http;

const std::string kGet =
    "GET /api/weather?city=Lisbon HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n"
    "X-Forwarded-For: 203.0.113.7\r\nx-forwarded-for:  198.51.100.2 \r\nX-Custom: one\r\nConnection: close\r\n\r\n";

std::unique_ptr<RequestHead> parsed(const std::string& bytes, size_t expect_used) {
  auto head = std::make_unique<RequestHead>();
  boost::system::error_code ec;
  EXPECT_EQ(head->parse(bytes, ec), expect_used);
  EXPECT_FALSE(ec) << ec.message();
  return head;
}

}  // namespace

TEST(RequestHead, ReadsTheRequestLineAndFieldsInOrder) {
  auto head = parsed(kGet, kGet.size());
  EXPECT_TRUE(head->is_header_done());
  EXPECT_TRUE(head->is_done());  // no body
  EXPECT_EQ(head->method(), bhttp::verb::get);
  EXPECT_EQ(head->method_string(), "GET");
  EXPECT_EQ(head->target(), "/api/weather?city=Lisbon");
  EXPECT_EQ(head->version(), 11u);
  EXPECT_EQ(head->field_count(), 7u);
  EXPECT_EQ(head->value(bhttp::field::host), "api.example.com");
  EXPECT_EQ(head->value("HOST"), "api.example.com");
  EXPECT_EQ(head->value("x-custom"), "one");
  EXPECT_EQ(head->value("X-Absent"), "");
  EXPECT_EQ(head->count("X-Forwarded-For"), 2u);
  EXPECT_EQ(head->count(bhttp::field::user_agent), 1u);
  std::vector<std::string> chain;
  head->for_each("X-FORWARDED-FOR", [&](std::string_view v) { chain.emplace_back(v); });
  EXPECT_EQ(chain, (std::vector<std::string>{"203.0.113.7", "198.51.100.2"}));  // values trimmed, in order
  EXPECT_FALSE(head->keep_alive());
}

TEST(RequestHead, ViewsOutliveTheBytesTheyCameFrom) {
  // The connection's buffer is consumed and reused by body reads: the views must not point there.
  auto bytes = std::make_unique<std::string>(kGet);
  auto head = parsed(*bytes, kGet.size());
  std::fill(bytes->begin(), bytes->end(), 'x');
  bytes.reset();
  EXPECT_EQ(head->target(), "/api/weather?city=Lisbon");
  EXPECT_EQ(head->value("X-Custom"), "one");
  EXPECT_EQ(head->method_string(), "GET");
}

TEST(RequestHead, AHeadLargerThanTheInlineStorageAndManyFields) {
  std::string bytes = "POST /x HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 60; ++i) bytes += "X-Field-" + std::to_string(i) + ": value number " + std::to_string(i) + "\r\n";
  bytes += "Content-Length: 3\r\n\r\n";
  ASSERT_GT(bytes.size(), RequestHead::kInlineBytes);
  auto copy = std::make_unique<std::string>(bytes);
  auto head = parsed(*copy, bytes.size());
  copy.reset();
  EXPECT_EQ(head->field_count(), 62u);
  EXPECT_EQ(head->value("x-field-59"), "value number 59");
  EXPECT_EQ(head->content_length().value_or(0), 3u);
  EXPECT_FALSE(head->is_done());
}

TEST(RequestHead, RefusesWhatBeastRefuses) {
  for (const std::string bad : {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                                "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
                                "GET /a b HTTP/1.1\r\n\r\n"}) {
    RequestHead head;
    bhttp::request_parser<bhttp::empty_body> beast;
    beast.eager(false);
    boost::system::error_code ours, theirs;
    head.parse(bad, ours);
    beast.put(boost::asio::buffer(bad), theirs);
    EXPECT_TRUE(ours) << bad;
    EXPECT_EQ(ours, theirs) << bad;
  }
}

TEST(RequestHead, StreamsALengthBodyIntoTheCallersBuffer) {
  const std::string head_bytes = "POST /pay HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n";
  auto head = parsed(head_bytes, head_bytes.size());
  ASSERT_EQ(head->content_length().value_or(0), 10u);
  boost::system::error_code ec;
  // No buffer yet: need_buffer, nothing taken.
  EXPECT_EQ(head->put(boost::asio::buffer(std::string_view("0123456789")), ec), 0u);
  EXPECT_EQ(ec, bhttp::error::need_buffer);
  char out[6];
  head->body().data = out;
  head->body().size = sizeof out;
  EXPECT_EQ(head->put(boost::asio::buffer(std::string_view("0123456789")), ec), 6u);
  EXPECT_EQ(ec, bhttp::error::need_buffer);
  EXPECT_EQ(std::string_view(out, 6), "012345");
  head->body().data = out;
  head->body().size = sizeof out;
  EXPECT_EQ(head->put(boost::asio::buffer(std::string_view("6789")), ec), 4u);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(head->is_done());
  EXPECT_EQ(std::string_view(out, 4), "6789");
}

TEST(RequestHead, AChunkedBodysTrailersNeverBecomeFields) {
  const std::string head_bytes = "POST /pay HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  auto head = parsed(head_bytes, head_bytes.size());
  EXPECT_TRUE(head->chunked());
  char out[16];
  head->body().data = out;
  head->body().size = sizeof out;
  const std::string body = "3\r\nabc\r\n0\r\nPAYMENT-SIGNATURE: second\r\n\r\n";
  boost::system::error_code ec;
  size_t used = 0;
  while (!head->is_done() && used < body.size()) {
    used += head->put(boost::asio::buffer(body.data() + used, body.size() - used), ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_TRUE(head->is_done());
  EXPECT_EQ(std::string_view(out, sizeof out - head->body().size), "abc");
  EXPECT_EQ(head->field_count(), 2u);
  EXPECT_EQ(head->count("PAYMENT-SIGNATURE"), 0u);
}

TEST(RequestHead, KeepsWhatBeastsParserKeeps) {
  // HTTP/1.0 keep-alive, an unknown method, an absolute-form target.
  const std::string bytes = "PURGE http://a.example/x?y HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
  auto head = parsed(bytes, bytes.size());
  EXPECT_EQ(head->method(), bhttp::verb::purge);
  EXPECT_EQ(head->target(), "http://a.example/x?y");
  EXPECT_EQ(head->version(), 10u);
  EXPECT_TRUE(head->keep_alive());
  const std::string odd = "FROB / HTTP/1.1\r\nHost: h\r\n\r\n";
  auto other = parsed(odd, odd.size());
  EXPECT_EQ(other->method(), bhttp::verb::unknown);
  EXPECT_EQ(other->method_string(), "FROB");
  EXPECT_TRUE(other->keep_alive());
  // As Beast's message reads it: the first Connection field decides.
  const std::string two = "GET / HTTP/1.0\r\nConnection: other\r\nConnection: keep-alive\r\n\r\n";
  EXPECT_FALSE(parsed(two, two.size())->keep_alive());
}
