// Message heads written by hand: byte for byte what Beast's serializer writes.
#include "net/head_writer.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <sstream>

using namespace x402gw;
namespace bhttp = boost::beast::http;

TEST(HeadWriter, RequestHeadIsWhatBeastWrites) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::post, "/api/x?y=1", 11};
  req.set(bhttp::field::host, "api.example");
  req.insert("X-Forwarded-For", "203.0.113.7");
  req.insert("x-custom", "");
  std::string ours;
  net::append_request_head(ours, req);
  std::ostringstream beast;
  beast << req.base();
  EXPECT_EQ(ours, beast.str());
  EXPECT_EQ(ours, "POST /api/x?y=1 HTTP/1.1\r\nHost: api.example\r\nX-Forwarded-For: 203.0.113.7\r\nx-custom: \r\n\r\n");
}

TEST(HeadWriter, ResponseHeadKeepsTheReasonGivenElseTheStandardOne) {
  bhttp::response<bhttp::empty_body> res{bhttp::status::not_found, 10};
  res.set(bhttp::field::content_length, "0");
  std::string ours;
  net::append_response_head(ours, res);
  EXPECT_EQ(ours, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  res.reason("Nope");
  ours.clear();
  net::append_response_head(ours, res);
  EXPECT_EQ(ours.substr(0, 19), "HTTP/1.0 404 Nope\r\n");
}

TEST(HeadWriter, ChunkSizeLinesAreLowercaseHex) {
  char line[net::kChunkLineMax];
  EXPECT_EQ(std::string(line, net::chunk_size_line(line, 0)), "0\r\n");
  EXPECT_EQ(std::string(line, net::chunk_size_line(line, 65536)), "10000\r\n");
  EXPECT_EQ(std::string(line, net::chunk_size_line(line, 0xabcdef)), "abcdef\r\n");
  EXPECT_EQ(std::string(line, net::chunk_size_line(line, SIZE_MAX)), "ffffffffffffffff\r\n");
}
