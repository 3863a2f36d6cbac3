#pragma once
// Reading the PROXY protocol header that a TCP load balancer sends before anything else. Exactly
// the header's bytes are consumed (peeked first, then read), so whatever follows, HTTP or a TLS
// handshake, is left in the socket for the protocol after it.
#include <chrono>
#include <string>

#include "net/asio.hpp"
#include "peer/proxy_protocol.hpp"

namespace x402gw::http {

/// A PROXY header read off a connection, or why there is none.
struct ProxyHeaderRead {
  bool ok = false;
  peer::ProxyHeader header;
  std::string reason;  // when not ok: a metric label (the decoder's, or timeout, closed, read_error)
  std::string error;   // when not ok: for the log
};

/// Reads one PROXY v1 or v2 header within `timeout`. Never throws.
awaitable<ProxyHeaderRead> read_proxy_header(net::Socket& socket, std::chrono::milliseconds timeout);

}  // namespace x402gw::http
