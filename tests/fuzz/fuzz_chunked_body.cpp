// libFuzzer target: chunked bodies and trailers, request side and upstream-response side, read
// as the gateway reads them (net/chunk_framing: parse_buffered over a buffer with its cap, fed
// in reads of a fuzzed size; TrailerGuard after the body). Properties: nothing throws; the buffer
// never exceeds its cap; a parser that asks for more never holds more chunk framing than the
// bounds allow; body bytes never exceed the input; after drop() the header has exactly the
// fields it had before the body.
//
// Input: byte 0 selects the side (bit 0: response), the body type (bit 1: string body, else a
// relay buffer), whether the rest is a whole message (bit 2) or a chunked body after a fixed
// head, and the read size (bits 3-7). Byte 1 is the relay buffer's size.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>

#include <boost/beast/http.hpp>

#include "net/chunk_framing.hpp"

namespace bhttp = boost::beast::http;
using x402gw::net::FramingError;

namespace {

template <bool isRequest, class Body>
void run(std::string_view message, size_t step, size_t relay_size, size_t header_limit) {
  bhttp::parser<isRequest, Body> parser;
  parser.header_limit(static_cast<uint32_t>(header_limit));
  parser.body_limit(1 << 20);
  boost::beast::flat_buffer buffer(x402gw::net::read_buffer_cap(header_limit));
  char relay[256];
  size_t at = 0, used = 0, body_bytes = 0, header_fields = 0;
  std::optional<x402gw::net::TrailerGuard> guard;
  for (int rounds = 0; rounds < 1 << 20; ++rounds) {
    if constexpr (std::is_same_v<Body, bhttp::buffer_body>) {
      parser.get().body().data = relay;
      parser.get().body().size = relay_size;
    }
    const bool had_header = parser.is_header_done();
    boost::system::error_code ec = x402gw::net::parse_buffered(buffer, parser, used);
    if (!had_header && parser.is_header_done()) {
      header_fields = static_cast<size_t>(std::distance(parser.get().begin(), parser.get().end()));
      guard.emplace(parser.get());
    }
    if constexpr (std::is_same_v<Body, bhttp::buffer_body>) body_bytes += relay_size - parser.get().body().size;
    if (buffer.size() > buffer.max_size()) __builtin_trap();
    if (body_bytes > message.size()) __builtin_trap();
    if (parser.is_done()) break;
    if (!ec || ec == bhttp::error::need_buffer) continue;  // progress: parse on
    if (ec != bhttp::error::need_more) break;  // refused: by Beast or by the framing bounds
    // Asking for more: whatever the parser left unconsumed in its body is within the bounds.
    if (parser.is_header_done() && buffer.size() > std::max(x402gw::net::kMaxChunkLine, x402gw::net::kMaxTrailerSection))
      __builtin_trap();
    if (at == message.size()) break;
    const size_t n = std::min({step, message.size() - at, buffer.max_size() - buffer.size()});
    if (n == 0) __builtin_trap();  // a full buffer is refused above, never read into
    std::memcpy(buffer.prepare(n).data(), message.data() + at, n);
    buffer.commit(n);
    at += n;
  }
  if (parser.is_done() && guard) {
    guard->drop(parser.get());
    if (static_cast<size_t>(std::distance(parser.get().begin(), parser.get().end())) != header_fields) __builtin_trap();
  }
  if constexpr (std::is_same_v<Body, bhttp::string_body>)
    if (parser.get().body().size() > message.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const size_t relay_size = 1 + data[1] % 255;
  const bool response = mode & 1, string_body = mode & 2, whole = mode & 4;
  const size_t step = 1 + (static_cast<size_t>(mode >> 3) * 97) % 4096;
  std::string message(reinterpret_cast<const char*>(data + 2), size - 2);
  if (!whole)
    message = (response ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        : "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") + message;
  const size_t header_limit = 1024;  // the smallest the configuration allows: caps are reached soonest
  if (response) {
    if (string_body) run<false, bhttp::string_body>(message, step, relay_size, header_limit);
    else run<false, bhttp::buffer_body>(message, step, relay_size, header_limit);
  } else {
    if (string_body) run<true, bhttp::string_body>(message, step, relay_size, header_limit);
    else run<true, bhttp::buffer_body>(message, step, relay_size, header_limit);
  }
  return 0;
}
