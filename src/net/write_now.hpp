#pragma once
// Gathered writes that skip the event loop when they can. Most answers fit in the socket's send
// buffer: one sendmsg() of every piece (head, chunk line, body) then completes at once, with no
// asynchronous operation, no completion handler posted and no deadline timer armed. Only what
// the kernel does not take now is written asynchronously, under the caller's deadline.
#include <array>
#include <cstddef>
#include <span>
#include <tuple>

#include "net/asio.hpp"

namespace x402gw::net {

/// Up to this many pieces in one gathered write.
inline constexpr size_t kMaxPieces = 6;
using Pieces = std::array<asio::const_buffer, kMaxPieces>;

/// Sends as much of `pieces` as the kernel takes without waiting (MSG_DONTWAIT, no SIGPIPE).
/// Returns the bytes sent; `ec` is set for an error other than "would block".
size_t send_now(net::Socket& socket, std::span<const asio::const_buffer> pieces, error_code& ec);

/// The socket underneath a stream when it is plain TCP (what send_now may write to), else null.
inline net::Socket* plain_socket(net::TcpStream& s) { return &s.socket(); }
template <class Stream>
net::Socket* plain_socket(Stream&) { return nullptr; }

/// Writes every byte of `pieces[0..count)` to `stream`: first straight to `plain` (when not null),
/// then the rest asynchronously after `arm()` set the write deadline.
template <class Stream, class Arm>
awaitable<std::tuple<error_code, size_t>> write_all(Stream& stream, net::Socket* plain, Pieces pieces, size_t count,
                                                    Arm arm) {
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) total += pieces[i].size();
  size_t sent = 0;
  if (plain) {
    error_code ec;
    sent = send_now(*plain, std::span(pieces.data(), count), ec);
    if (ec) co_return std::tuple{ec, sent};
    if (sent == total) co_return std::tuple{error_code{}, sent};
  }
  // Drop what went out already, then wait for the socket to take the rest.
  size_t first = 0;
  for (size_t skip = sent; skip > 0; ++first) {
    if (skip < pieces[first].size()) {
      pieces[first] += skip;
      break;
    }
    skip -= pieces[first].size();
  }
  arm();
  auto [ec, n] = co_await asio::async_write(stream, std::span(pieces.data() + first, count - first), use_nothrow);
  co_return std::tuple{ec, sent + n};
}

}  // namespace x402gw::net
