#include "net/write_now.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

namespace x402gw::net {

size_t send_now(net::Socket& socket, std::span<const asio::const_buffer> pieces, error_code& ec) {
  ec = {};
  std::array<iovec, kMaxPieces> iov{};
  size_t count = 0;
  for (const auto& piece : pieces) {
    if (piece.size() == 0 || count == iov.size()) continue;
    iov[count].iov_base = const_cast<void*>(piece.data());
    iov[count].iov_len = piece.size();
    ++count;
  }
  if (count == 0) return 0;
  msghdr message{};
  message.msg_iov = iov.data();
  message.msg_iovlen = count;
  for (;;) {
    const ssize_t n = ::sendmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    ec = error_code(errno, asio::error::get_system_category());
    return 0;
  }
}

}  // namespace x402gw::net
