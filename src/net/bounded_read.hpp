#pragma once
// Reading HTTP messages with bounded memory: the replacement for Beast's async_read_some,
// async_read_header and async_read on every stream a client or an upstream fills. Each step
// parses what the buffer holds first and reads the socket only when the parser needs more, at
// most up to the buffer's maximum size; a parser that waits on an over-long chunk-size line or
// trailer section is refused (net/chunk_framing). Deadlines stay the caller's: each socket read
// happens under whatever the caller armed, and one step ends at the first progress.
#include <algorithm>
#include <tuple>

#include "net/asio.hpp"
#include "net/chunk_framing.hpp"

namespace x402gw::net {

/// The most one socket read asks for.
inline constexpr size_t kReadChunk = 64 * 1024;

/// Reads until `parser` makes progress (a header, a piece of body, the end), as Beast's
/// async_read_some does, but with `buffer` held to its max_size. Returns the error, if any, and
/// the bytes the parser used.
template <class Stream, bool isRequest>
awaitable<std::tuple<error_code, size_t>> read_some_bounded(Stream& stream, beast::flat_buffer& buffer,
                                                            bhttp::basic_parser<isRequest>& parser) {
  size_t used = 0;
  for (;;) {
    if (parser.is_done()) co_return std::tuple{error_code{}, used};
    error_code ec = parse_buffered(buffer, parser, used);
    if (ec != bhttp::error::need_more) co_return std::tuple{ec, used};
    const size_t room = buffer.max_size() - std::min(buffer.size(), buffer.max_size());
    const size_t want = std::min(room, kReadChunk);
    auto [rec, n] = co_await stream.async_read_some(buffer.prepare(want), use_nothrow);
    buffer.commit(n);
    if (rec == asio::error::eof) {
      // As Beast's reader says it: a message that ends with the connection is complete; one cut
      // short is partial; nothing at all is the end of the stream.
      if (!parser.got_some()) co_return std::tuple{error_code(bhttp::error::end_of_stream), used};
      error_code eof_ec;
      parser.put_eof(eof_ec);
      co_return std::tuple{eof_ec, used};
    }
    if (rec) co_return std::tuple{rec, used};
  }
}

/// Reads until the message's header is parsed (Beast's async_read_header, bounded).
template <class Stream, bool isRequest>
awaitable<std::tuple<error_code, size_t>> read_header_bounded(Stream& stream, beast::flat_buffer& buffer,
                                                              bhttp::basic_parser<isRequest>& parser) {
  size_t used = 0;
  while (!parser.is_header_done()) {
    auto [ec, n] = co_await read_some_bounded(stream, buffer, parser);
    used += n;
    if (ec) co_return std::tuple{ec, used};
  }
  co_return std::tuple{error_code{}, used};
}

/// Reads the whole message (Beast's async_read, bounded). For parsers whose body needs no
/// buffer of the caller's (string bodies).
template <class Stream, bool isRequest>
awaitable<std::tuple<error_code, size_t>> read_bounded(Stream& stream, beast::flat_buffer& buffer,
                                                       bhttp::basic_parser<isRequest>& parser) {
  size_t used = 0;
  while (!parser.is_done()) {
    auto [ec, n] = co_await read_some_bounded(stream, buffer, parser);
    used += n;
    if (ec) co_return std::tuple{ec, used};
  }
  co_return std::tuple{error_code{}, used};
}

}  // namespace x402gw::net
