#pragma once
// Moving a message body from a parser on one stream to another stream, chunk by chunk, with a
// deadline on every read and write. The head, written by hand (net/head_writer), goes out with
// the first piece of the body; a chunked body is framed here, each piece in one gathered write
// with its size line. Included by .cpp files only.
#include <boost/beast/http.hpp>
#include <algorithm>
#include <string_view>

#include "net/asio.hpp"
#include "net/bounded_read.hpp"
#include "net/head_writer.hpp"
#include "net/request_head.hpp"
#include "net/write_now.hpp"

namespace x402gw::upstream {

/// Where a relay stopped.
struct RelayError {
  enum Side { none, read, write } side = none;
  error_code ec;
  explicit operator bool() const { return side != none; }
};

/// How the relayed message goes out.
struct Framing {
  std::string_view head;   // the message head, not yet written
  bool chunked = false;    // frame the body as chunks (and end it with the last chunk)
};

/// Where a parser puts the body bytes it reads: Beast's buffer_body, or the client request's own.
template <bool isRequest>
auto& body_of(bhttp::parser<isRequest, bhttp::buffer_body>& parser) { return parser.get().body(); }
inline auto& body_of(net::RequestHead& parser) { return parser.body(); }

/// Relays the body of the message `parser` is reading from `in` to `out` (whose plain socket, if
/// any, is `out_socket`), preceded by `framing.head`. `arm_in`/`arm_out` set the deadlines.
/// `preloaded` bytes already read into `chunk` go out first. `bytes_written` counts what `out`
/// took, head included.
template <class Parser, class In, class Out, class ArmIn, class ArmOut>
awaitable<RelayError> relay_body(In& in, beast::flat_buffer& in_buffer, Parser& parser,
                                 Out& out, net::Socket* out_socket, Framing framing, char* chunk, size_t chunk_size,
                                 uint64_t& bytes_written, ArmIn arm_in, ArmOut arm_out, size_t preloaded = 0) {
  auto& body = body_of(parser);
  bool head_sent = false;
  char size_line[net::kChunkLineMax];
  for (;;) {
    size_t n = 0;
    if (preloaded > 0) {
      n = preloaded;
      preloaded = 0;
    } else if (!parser.is_done()) {
      body.data = chunk;
      body.size = chunk_size;
      // Bytes already buffered (a small response usually arrives with its header) are parsed
      // first; the stream is read only when they are not enough to make progress, and never
      // past the buffer's maximum size (net/bounded_read).
      arm_in();
      auto [ec, got] = co_await net::read_some_bounded(in, in_buffer, parser);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) co_return RelayError{RelayError::read, ec};
      n = chunk_size - body.size;
    }
    const bool last = parser.is_done();
    if (n == 0 && !last) continue;  // nothing to send yet (a chunk header, say)

    net::Pieces pieces;
    size_t count = 0;
    if (!head_sent) pieces[count++] = asio::buffer(framing.head);
    if (n > 0) {
      if (framing.chunked) pieces[count++] = asio::buffer(size_line, net::chunk_size_line(size_line, n));
      pieces[count++] = asio::buffer(chunk, n);
      if (framing.chunked) pieces[count++] = asio::buffer("\r\n", 2);
    }
    if (last && framing.chunked) pieces[count++] = asio::buffer(net::kLastChunk);
    if (count > 0) {
      auto [ec, written] = co_await net::write_all(out, out_socket, pieces, count, arm_out);
      bytes_written += written;
      if (ec) co_return RelayError{RelayError::write, ec};
    }
    head_sent = true;
    if (last) co_return RelayError{};
  }
}

/// Relays a body of known length (`remaining` bytes, whose first bytes may already sit in
/// `in_buffer`) from `in` to `out`, preceded by `head`, with no parser in between: bytes are read
/// straight into `chunk` and written straight from it, one read and one write per chunk.
template <class In, class Out, class ArmIn, class ArmOut>
awaitable<RelayError> relay_exact(In& in, beast::flat_buffer& in_buffer, uint64_t remaining, Out& out,
                                  net::Socket* out_socket, std::string_view head, char* chunk, size_t chunk_size,
                                  uint64_t& bytes_written, ArmIn arm_in, ArmOut arm_out) {
  // What came with the header goes out with the head.
  const size_t buffered = static_cast<size_t>(std::min<uint64_t>(in_buffer.size(), remaining));
  net::Pieces pieces{asio::buffer(head), asio::buffer(in_buffer.data().data(), buffered)};
  auto [ec, written] = co_await net::write_all(out, out_socket, pieces, 2, arm_out);
  bytes_written += written;
  in_buffer.consume(buffered);
  remaining -= buffered;
  if (ec) co_return RelayError{RelayError::write, ec};
  while (remaining > 0) {
    arm_in();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, chunk_size));
    auto [rec, n] = co_await in.async_read_some(asio::buffer(chunk, want), use_nothrow);
    if (rec) co_return RelayError{RelayError::read, rec};
    remaining -= n;
    const net::Pieces piece{asio::buffer(chunk, n)};
    auto [wec, wn] = co_await net::write_all(out, out_socket, piece, 1, arm_out);
    bytes_written += wn;
    if (wec) co_return RelayError{RelayError::write, wec};
  }
  co_return RelayError{};
}

}  // namespace x402gw::upstream
