#include "net/request_body.hpp"

#include "net/bounded_read.hpp"
#include "net/transport_error.hpp"

namespace x402gw::net {

BodyFailure body_failure(const ClientIo& io, const error_code& ec) {
  if (ec == bhttp::error::body_limit) return {core::Error::body_too_large, "the request body is larger than this route allows"};
  if (ec == FramingError::chunk_line_too_long)
    return {core::Error::chunk_framing_too_large,
            "a chunk-size line of the request body, with its extensions, is longer than " + std::to_string(kMaxChunkLine) + " bytes"};
  if (ec == FramingError::trailers_too_large)
    return {core::Error::chunk_framing_too_large,
            "the trailer section of the request body is larger than " + std::to_string(kMaxTrailerSection) + " bytes"};
  if (io.read_timed_out(ec))
    return {core::Error::request_timeout,
            "the request body did not arrive within timeouts.request_body, or a read of it waited longer than timeouts.body_io"};
  if (peer_closed(ec)) return {core::Error::client_gone, "the client closed the connection during its request body"};
  return {core::Error::bad_request, "the request body could not be read: " + ec.message()};
}

awaitable<std::optional<BodyFailure>> read_whole_body(ClientIo& io, std::string& out) {
  if (!io.body_pending()) co_return std::nullopt;
  if (auto ec = co_await io.send_continue()) co_return BodyFailure{core::Error::client_gone, "the client went away"};
  // Trailer fields never join the head (net/request_head drops them).
  auto& body = io.parser().body();
  while (!io.parser().is_done()) {
    body.data = io.chunk;
    body.size = io.chunk_size;
    io.arm_read();
    auto [ec, n] = co_await read_some_bounded(io.stream(), io.buffer(), io.parser());
    io.end_read();
    if (ec && ec != bhttp::error::need_buffer) {
      io.must_close();
      co_return body_failure(io, ec);
    }
    out.append(io.chunk, io.chunk_size - body.size);
  }
  co_return std::nullopt;
}

}  // namespace x402gw::net
