#pragma once
// The client side of one connection as the modules that answer a request see it: the stream, its
// read buffer, the request parser, its deadline, and the one function that writes a response
// to it. The session (http/) owns these objects; payment/ and upstream/ reach the client only
// through this type, never through http/.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "net/asio.hpp"
#include "net/client_stream.hpp"
#include "net/client_deadline.hpp"
#include "net/request_head.hpp"
#include "net/write_now.hpp"

namespace x402gw::net {

/// The parser of a client's request: header parsed in place, body streamed through a caller's buffer.
using RequestParser = RequestHead;

/// One client connection during one exchange.
class ClientIo {
 public:
  /// `io_timeout`: the longest wait for one read or write; `body_timeout`: the longest time the
  /// whole request body may take, from its first read.
  ClientIo(ClientStream& stream, beast::flat_buffer& buffer, RequestParser& parser, ClientDeadline& watchdog,
           std::chrono::milliseconds io_timeout, std::chrono::milliseconds body_timeout)
      : stream_(stream), buffer_(buffer), parser_(parser), watchdog_(watchdog), io_timeout_(io_timeout),
        body_timeout_(body_timeout) {}

  ClientStream& stream() { return stream_; }
  beast::flat_buffer& buffer() { return buffer_; }
  /// The request: its head (read-only views) and its body, read through the same parser.
  RequestParser& parser() { return parser_; }
  const RequestHead& head() const { return parser_; }

  /// The relay buffer lent to this request (see BufferPool).
  char* chunk = nullptr;
  size_t chunk_size = 0;
  /// The HTTP version the client spoke (10 or 11) and whether it asked for keep-alive.
  unsigned version = 11;
  bool client_keep_alive = true;
  /// "Expect: 100-continue" not answered yet.
  bool expects_continue = false;
  /// The server is draining: close after this exchange.
  const std::atomic<bool>* draining = nullptr;

  /// Whether the request has a body that has not been read yet.
  bool body_pending() const { return !parser_.is_done(); }
  /// Whether the connection may carry another request after this one.
  bool keep_alive() const {
    return client_keep_alive && !close_ && !(draining && draining->load(std::memory_order_relaxed));
  }
  /// The connection cannot carry another request (an unread body, a broken write, ...).
  void must_close() { close_ = true; }

  /// Deadline for one read of the request body; end_read() right after the read completes. A
  /// read waits at most io_timeout, and never past the body's own deadline (body_timeout from
  /// the first read): a client that drips its body one byte per read cannot stretch it.
  void arm_read();
  void end_read() { watchdog_.disarm(); }
  /// Whether a read error was the read deadline passing.
  bool read_timed_out(const error_code& ec) const;
  /// Deadline for one write to the client (armed only when the write must wait: net/write_now).
  void arm_write() { watchdog_.arm(io_timeout_); }

  /// Whether the client has closed or reset its connection (one non-blocking peek). Bytes of a
  /// pipelined next request count as present.
  bool gone();

  /// Answers "Expect: 100-continue" once, before the body is read.
  awaitable<error_code> send_continue();

  /// The one writer of whole responses to the client: sets the write deadline, writes, counts
  /// the bytes and the status, and marks the connection for closing when the write fails.
  template <class Body, class Fields>
  awaitable<error_code> write(bhttp::response<Body, Fields>& response) {
    status = response.result_int();
    arm_write();
    auto [ec, n] = co_await bhttp::async_write(stream_, response, use_nothrow);
    bytes_sent += n;
    if (ec) must_close();
    co_return ec;
  }

  /// The writer of responses already in bytes (a head written by hand, its body): one gathered
  /// write, straight to the socket when it takes it all; counts and marks like write().
  awaitable<error_code> write_raw(unsigned response_status, Pieces pieces, size_t count);

  /// What was written so far: the response status and bytes (bodies relayed elsewhere add theirs).
  unsigned status = 0;
  uint64_t bytes_sent = 0;
  /// Whether a response header has gone out (after that, a failure can only close the connection).
  bool response_started() const { return status != 0; }

 private:
  ClientStream& stream_;
  beast::flat_buffer& buffer_;
  RequestParser& parser_;
  ClientDeadline& watchdog_;
  std::chrono::milliseconds io_timeout_;
  std::chrono::milliseconds body_timeout_;
  std::optional<std::chrono::steady_clock::time_point> body_deadline_;
  bool close_ = false;
};

}  // namespace x402gw::net
