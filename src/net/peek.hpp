#pragma once
// One non-blocking look at a socket's receive side without consuming anything: used to tell an
// idle pooled connection the peer has closed, and a client that left, from ones still there.
#include "net/asio.hpp"

namespace x402gw::net {

/// What a peek found.
enum class PeerState {
  idle,     // open, nothing to read
  data,     // bytes are waiting
  closed,   // closed by the peer, reset, or not open
};

/// Peeks at one byte (a syscall; no blocking).
PeerState peek(net::Socket& socket);

}  // namespace x402gw::net
