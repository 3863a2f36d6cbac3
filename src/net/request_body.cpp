#include "net/request_body.hpp"

#include "net/transport_error.hpp"

namespace x402gw::net {

BodyFailure body_failure(const ClientIo& io, const error_code& ec) {
  if (ec == bhttp::error::body_limit) return {core::Error::body_too_large, "the request body is larger than this route allows"};
  if (io.read_timed_out(ec)) return {core::Error::request_timeout, "the client sent its request body too slowly"};
  if (peer_closed(ec)) return {core::Error::client_gone, "the client closed the connection during its request body"};
  return {core::Error::bad_request, "the request body could not be read: " + ec.message()};
}

awaitable<std::optional<BodyFailure>> read_whole_body(ClientIo& io, std::string& out) {
  if (!io.body_pending()) co_return std::nullopt;
  if (auto ec = co_await io.send_continue()) co_return BodyFailure{core::Error::client_gone, "the client went away"};
  auto& body = io.request().body();
  while (!io.parser().is_done()) {
    body.data = io.chunk;
    body.size = io.chunk_size;
    // Beast parses bytes already buffered before it reads the socket, and reads at most the
    // buffer's spare capacity: make room for a whole chunk.
    if (io.buffer().capacity() - io.buffer().size() < io.chunk_size) io.buffer().reserve(io.buffer().size() + io.chunk_size);
    io.arm_read();
    auto [ec, n] = co_await bhttp::async_read_some(io.stream(), io.buffer(), io.parser(), use_nothrow);
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
