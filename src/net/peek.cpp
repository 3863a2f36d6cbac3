#include "net/peek.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace x402gw::net {

PeerState peek(net::Socket& socket) {
  if (!socket.is_open()) return PeerState::closed;
  char probe;
  const ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return PeerState::data;
  if (n == 0) return PeerState::closed;  // orderly close
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? PeerState::idle : PeerState::closed;
}

}  // namespace x402gw::net
