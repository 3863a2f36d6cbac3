// The bounds on what a parser may hold unconsumed (net/chunk_framing): chunk-size lines, trailer
// sections, the read buffer's maximum size, and trailers kept out of the header.
#include "net/chunk_framing.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

using namespace x402gw;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

using RequestParser = bhttp::request_parser<bhttp::buffer_body>;

// Feeds `bytes` to `parser` through a buffer of maximum size `cap`, as a socket would in reads of
// `step` bytes, draining body data into a scratch buffer. Returns the first error other than
// need_more/need_buffer (or need_more when the bytes ran out; success once the message is done),
// and the buffer's largest size.
template <class Parser>
std::pair<error_code, size_t> feed(Parser& parser, boost::beast::flat_buffer& buffer, const std::string& bytes,
                                   size_t step = 4096) {
  char scratch[1024];
  size_t at = 0, peak = 0, used = 0;
  for (;;) {
    if constexpr (std::is_same_v<typename Parser::value_type::body_type, bhttp::buffer_body>) {
      parser.get().body().data = scratch;
      parser.get().body().size = sizeof scratch;
    }
    error_code ec = net::parse_buffered(buffer, parser, used);
    if (parser.is_done()) return {ec, peak};
    if (!ec || ec == bhttp::error::need_buffer) continue;  // progress: parse on
    if (ec != bhttp::error::need_more) return {ec, peak};
    if (at == bytes.size()) return {ec, peak};
    const size_t room = buffer.max_size() - buffer.size();
    const size_t n = std::min({room, step, bytes.size() - at});
    auto mb = buffer.prepare(n);
    std::memcpy(mb.data(), bytes.data() + at, n);
    buffer.commit(n);
    at += n;
    peak = std::max(peak, buffer.size());
  }
}

const std::string kChunkedHead = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST(ChunkFraming, AnEndlessChunkExtensionIsRefusedWithinAFewKiB) {
  RequestParser parser;
  boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
  auto [ec, peak] = feed(parser, buffer, kChunkedHead + "1;" + std::string(1 << 20, 'a'));
  EXPECT_EQ(ec, net::FramingError::chunk_line_too_long);
  EXPECT_LE(peak, net::kMaxChunkLine + 4096);
}

TEST(ChunkFraming, AnEndlessChunkSizeIsRefused) {
  RequestParser parser;
  boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
  // Beast refuses a size over 64 bits by itself only once the line ends; leading zeros never do.
  auto [ec, peak] = feed(parser, buffer, kChunkedHead + "1\r\na\r\n" + std::string(1 << 20, '0'));
  EXPECT_TRUE(ec == net::FramingError::trailers_too_large || ec == net::FramingError::chunk_line_too_long) << ec.message();
  EXPECT_LE(peak, net::kMaxTrailerSection + 4096);
}

TEST(ChunkFraming, AnEndlessTrailerSectionIsRefused) {
  for (const std::string& trailer : {std::string("X-T: ") + std::string(1 << 20, 'a'), [] {
         std::string many;
         while (many.size() < (1 << 20)) many += "X-T: 1\r\n";
         return many;
       }()}) {
    RequestParser parser;
    boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
    auto [ec, peak] = feed(parser, buffer, kChunkedHead + "3\r\nabc\r\n0\r\n" + trailer);
    EXPECT_EQ(ec, net::FramingError::trailers_too_large);
    EXPECT_LE(peak, net::kMaxTrailerSection + 4096);
  }
}

TEST(ChunkFraming, FramingWithinTheBoundsPasses) {
  RequestParser parser;
  boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
  const std::string ext = ";" + std::string(net::kMaxChunkLine - 16, 'e');
  const std::string trailers = "X-A: " + std::string(net::kMaxTrailerSection - 64, 't') + "\r\n";
  auto [ec, peak] = feed(parser, buffer, kChunkedHead + "3" + ext + "\r\nabc\r\n0\r\n" + trailers + "\r\n");
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
}

// The bounds must not depend on how the bytes arrive: a chunk-size line or trailer section over
// its bound that comes complete in one read is refused as when it trickles in.
TEST(ChunkFraming, TheBoundsHoldWhenFramingArrivesInOneRead) {
  const size_t one_read = 64 * 1024;
  {
    RequestParser parser;
    boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
    auto [ec, peak] = feed(parser, buffer, kChunkedHead + "1;" + std::string(10000, 'a') + "\r\na\r\n0\r\n\r\n", one_read);
    EXPECT_EQ(ec, net::FramingError::chunk_line_too_long) << ec.message();
  }
  {
    RequestParser parser;
    boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
    auto [ec, peak] = feed(parser, buffer, kChunkedHead + std::string(10000, '0') + "1\r\na\r\n0\r\n\r\n", one_read);
    EXPECT_EQ(ec, net::FramingError::chunk_line_too_long) << ec.message();
  }
  {
    std::string trailers;
    while (trailers.size() < 12 * 1024) trailers += "X-T: 1234567890\r\n";
    RequestParser parser;
    boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
    auto [ec, peak] = feed(parser, buffer, kChunkedHead + "1\r\na\r\n0\r\n" + trailers + "\r\n", one_read);
    EXPECT_EQ(ec, net::FramingError::trailers_too_large) << ec.message();
  }
  {
    // Within the bounds, in one read, with many chunks: parsed whole.
    RequestParser parser;
    boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
    const std::string ext = ";" + std::string(net::kMaxChunkLine - 16, 'e');
    const std::string trailers = "X-A: " + std::string(net::kMaxTrailerSection - 64, 't') + "\r\n";
    std::string body;
    for (int i = 0; i < 100; ++i) body += "3\r\nabc\r\n";
    auto [ec, peak] = feed(parser, buffer, kChunkedHead + body + "3" + ext + "\r\nabc\r\n0\r\n" + trailers + "\r\n", one_read);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_done());
  }
}

TEST(ChunkFraming, AHeaderThatNeverEndsStopsAtTheBufferCap) {
  // Beast's own header limit is lifted here: the buffer's cap alone must stop the read.
  RequestParser parser;
  parser.header_limit(std::numeric_limits<uint32_t>::max());
  boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
  auto [ec, peak] = feed(parser, buffer, "GET / HTTP/1.1\r\nX: " + std::string(1 << 20, 'a'));
  EXPECT_EQ(ec, net::FramingError::buffer_full);
  EXPECT_EQ(peak, net::read_buffer_cap(16 * 1024));
}

TEST(ChunkFraming, AResponseBodyOfChunksIsBoundedTheSameWay) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  boost::beast::flat_buffer buffer(net::read_buffer_cap(net::kResponseHeaderLimit));
  auto [ec, peak] = feed(parser, buffer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(1 << 20, 'a'));
  EXPECT_EQ(ec, net::FramingError::chunk_line_too_long);
  EXPECT_LE(peak, net::kMaxChunkLine + 4096);
  EXPECT_LE(peak, net::read_buffer_cap(net::kResponseHeaderLimit));
}

TEST(ChunkFraming, TheProblemIsToldFromTheUnconsumedBytes) {
  EXPECT_FALSE(net::chunk_framing_problem("\r\n1;" + std::string(100, 'a')));
  EXPECT_EQ(net::chunk_framing_problem("\r\n1;" + std::string(net::kMaxChunkLine, 'a')), net::FramingError::chunk_line_too_long);
  EXPECT_EQ(net::chunk_framing_problem("ff;" + std::string(net::kMaxChunkLine, 'a')), net::FramingError::chunk_line_too_long);
  // The last chunk ("0", any number of zeros) opens the trailer section, with its larger bound.
  EXPECT_FALSE(net::chunk_framing_problem("\r\n0\r\nX: " + std::string(net::kMaxChunkLine, 'a')));
  EXPECT_FALSE(net::chunk_framing_problem("000;e\r\nX: " + std::string(net::kMaxChunkLine, 'a')));
  EXPECT_EQ(net::chunk_framing_problem("\r\n0\r\nX: " + std::string(net::kMaxTrailerSection, 'a')), net::FramingError::trailers_too_large);
}

TEST(ChunkFraming, EachBufferHasItsCap) {
  // The client's read buffer: the configured header limit plus one read; the upstream's: the
  // response header limit plus one read. Both small, whatever a peer sends.
  EXPECT_EQ(net::read_buffer_cap(16 * 1024), 32u * 1024);
  EXPECT_EQ(net::read_buffer_cap(net::kResponseHeaderLimit), 24u * 1024);
  EXPECT_LE(net::kMaxChunkLine, 4u * 1024);
  EXPECT_LE(net::kMaxTrailerSection, 8u * 1024);
}

TEST(TrailerGuard, TrailersDoNotBecomeHeaderFields) {
  RequestParser parser;
  boost::beast::flat_buffer buffer(net::read_buffer_cap(16 * 1024));
  const std::string head = "POST /a HTTP/1.1\r\nHost: x\r\nX-Payment: first\r\nTransfer-Encoding: chunked\r\n\r\n";
  const auto [hec, hpeak] = feed(parser, buffer, head);
  ASSERT_TRUE(!hec || hec == bhttp::error::need_more) << hec.message();  // the body is still to come
  EXPECT_LE(hpeak, buffer.max_size());
  ASSERT_TRUE(parser.is_header_done());
  const size_t header_fields = std::distance(parser.get().begin(), parser.get().end());
  const net::TrailerGuard guard(parser.get());
  auto [ec, peak] = feed(parser, buffer, "3\r\nabc\r\n0\r\nX-Payment: second\r\nX-Injected: 1\r\nHost: evil\r\n\r\n");
  ASSERT_TRUE(parser.is_done()) << ec.message();
  EXPECT_EQ(std::distance(parser.get().begin(), parser.get().end()), static_cast<long>(header_fields + 3));
  // Read apart before they are dropped (a metered answer's Settlement-Overrides trailer).
  auto trailers = guard.added(parser.get());
  std::sort(trailers.begin(), trailers.end());
  EXPECT_EQ(trailers, (std::vector<std::pair<std::string, std::string>>{{"Host", "evil"}, {"X-Injected", "1"}, {"X-Payment", "second"}}));
  EXPECT_EQ(guard.drop(parser.get()), 3u);
  EXPECT_EQ(std::distance(parser.get().begin(), parser.get().end()), static_cast<long>(header_fields));
  EXPECT_EQ(parser.get().count("X-Payment"), 1u);
  EXPECT_EQ(parser.get()["X-Payment"], "first");
  EXPECT_EQ(parser.get()[bhttp::field::host], "x");
  EXPECT_EQ(parser.get().count("X-Injected"), 0u);
}
