#pragma once
// Moving a message body from a parser on one stream to a serializer on another, chunk by chunk,
// with a deadline on every read and write. Included by .cpp files only.
#include <boost/beast/http.hpp>

#include "net/asio.hpp"

namespace x402gw::upstream {

/// Where a relay stopped.
struct RelayError {
  enum Side { none, read, write } side = none;
  error_code ec;
  explicit operator bool() const { return side != none; }
};

/// Relays the body of the message `parser` is reading from `in` to `out` through `serializer`
/// (whose header may or may not have been written). `arm_in`/`arm_out` set the deadlines.
/// `preloaded` bytes already read into `chunk` go out first.
template <bool isRequest, class In, class Out, class ArmIn, class ArmOut>
awaitable<RelayError> relay_body(In& in, beast::flat_buffer& in_buffer,
                                 bhttp::parser<isRequest, bhttp::buffer_body>& parser, Out& out,
                                 bhttp::serializer<isRequest, bhttp::buffer_body>& serializer, char* chunk,
                                 size_t chunk_size, uint64_t& bytes_written, ArmIn arm_in, ArmOut arm_out,
                                 size_t preloaded = 0) {
  auto& body = parser.get().body();
  while (!serializer.is_done()) {
    if (preloaded > 0) {
      body.data = chunk;
      body.size = preloaded;
      body.more = !parser.is_done();
      preloaded = 0;
    } else if (!parser.is_done()) {
      body.data = chunk;
      body.size = chunk_size;
      // Bytes already buffered (a small response usually arrives with its header) are parsed in
      // place; the stream is read only when they are not enough to make progress.
      bool progressed = false;
      if (in_buffer.size() > 0) {
        error_code ec;
        const size_t used = parser.put(in_buffer.data(), ec);
        in_buffer.consume(used);
        if (ec == bhttp::error::need_buffer || ec == bhttp::error::need_more) ec = {};
        if (ec) co_return RelayError{RelayError::read, ec};
        progressed = used > 0 || parser.is_done();
      }
      if (!progressed) {
        // Beast reads at most the buffer's spare capacity (512 bytes for a fresh buffer): make
        // room for a whole chunk, or a large body crawls through in 512-byte reads.
        if (in_buffer.capacity() - in_buffer.size() < chunk_size) in_buffer.reserve(in_buffer.size() + chunk_size);
        arm_in();
        auto [ec, n] = co_await bhttp::async_read_some(in, in_buffer, parser, use_nothrow);
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) co_return RelayError{RelayError::read, ec};
      }
      body.size = chunk_size - body.size;
      body.more = !parser.is_done();
      if (body.size == 0 && body.more) continue;
      // An empty (non-null) buffer would be framed as a zero-length chunk, i.e. a second terminator.
      body.data = body.size ? chunk : nullptr;
    } else {
      body.data = nullptr;
      body.size = 0;
      body.more = false;
    }
    arm_out();
    auto [wec, wn] = co_await bhttp::async_write(out, serializer, use_nothrow);
    bytes_written += wn;
    if (wec == bhttp::error::need_buffer) wec = {};
    if (wec) co_return RelayError{RelayError::write, wec};
  }
  co_return RelayError{};
}

}  // namespace x402gw::upstream
