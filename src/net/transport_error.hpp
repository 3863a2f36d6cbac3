#pragma once
// The one classifier of connection errors, for upstreams and facilitators alike: an Asio/Beast
// error and the phase it happened in become the project's error code for that side.
#include "core/error.hpp"
#include "net/asio.hpp"

namespace x402gw::net {

/// Which peer a connection goes to.
enum class Side { upstream, facilitator };

/// Where on a connection an operation failed.
enum class Phase { resolve, connect, tls, write, read };

/// A failed connection operation.
struct TransportFailure {
  Phase phase = Phase::read;
  error_code ec;
};

/// Whether the peer closed or reset the connection (as opposed to a timeout or garbage).
bool peer_closed(const error_code& ec);

/// The project error for a failure on one side: timeouts, closed connections, refused connects,
/// TLS, and anything unparseable each get their own code.
core::Error transport_error(Side side, const TransportFailure& failure);

}  // namespace x402gw::net
