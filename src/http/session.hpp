#pragma once
// A client connection: requests read one after another (keep-alive), each decided and answered.
// Nothing a client sends can escape a session: every failure ends as a reply or a closed
// connection, counted and logged, and the connection counters are held by guards.
#include "http/connection_gate.hpp"
#include "http/server_state.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"

namespace x402gw::net {
class ServerTls;
}

namespace x402gw::http {

/// What a session needs to know of the listener that accepted its connection.
struct ListenerInfo {
  net::ServerTls* tls = nullptr;  // TLS listener: its certificates and handshake deadline
  bool redirect_https = false;    // a plain listener that answers every request with a redirect
  bool proxy_protocol = false;    // every connection begins with a PROXY header from a trusted peer, which names the client
  bool forward_auth = false;      // an auth service for the proxy in front: answers, never forwards (http/forward_auth)
};

/// Serves one accepted connection, admitted at accept under the connection limits (`slot` holds
/// its places until the session ends), until it closes. Never throws.
awaitable<void> run_session(net::Socket socket, ConnectionSlot slot, ServerState& state, net::WorkerContext& worker,
                            const ListenerInfo& listener);

}  // namespace x402gw::http
