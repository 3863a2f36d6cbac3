#pragma once
// Accepting connections, admitting them under the connection limits, and handing each to a worker
// thread.
#include <functional>

#include "http/connection_gate.hpp"
#include "http/server_state.hpp"
#include "net/asio.hpp"
#include "peer/ip_address.hpp"

namespace x402gw::http {

/// Accepts until the acceptor is closed. `dispatch` receives each accepted socket, created on the
/// io_context that `pick_context` chose for it. A failing accept (out of descriptors) backs off.
awaitable<void> accept_loop(net::Acceptor& acceptor, std::function<asio::io_context&()> pick_context,
                            std::function<void(net::Socket)> dispatch);

/// Admits an accepted client connection under limits.max_connections,
/// limits.max_connections_per_address and (`tls`) limits.max_tls_handshakes, or refuses it at
/// once, before a byte of it is read: a TLS listener's connection is closed without a handshake; a
/// plain listener's first gets a 503 `too_many_connections`, written without waiting (as much as
/// the empty send buffer takes, which is all of it). Each refusal is counted in
/// x402gw_limit_breaches_total. Returns the slot to hand to the session (empty: refused, closed).
ConnectionSlot admit_connection(net::Socket& socket, ServerState& state, bool tls);

/// Open connections the admin listener holds at most: a few probes and scrapes at a time need no
/// more, and a client that opens more cannot hold a descriptor each for the admin read deadline.
inline constexpr uint64_t kMaxAdminConnections = 64;

/// Admits an accepted admin connection under kMaxAdminConnections, or refuses it at once like
/// admit_connection (a 503 `too_many_connections`, x402gw_limit_breaches_total{limit="admin_connections"}).
ConnectionSlot admit_admin_connection(net::Socket& socket, ServerState& state);

/// The socket's peer (IPv4-mapped IPv6 as IPv4); the unspecified address if the socket has none.
peer::IpAddress peer_address(const net::Socket& socket);

/// Opens a listening acceptor (SO_REUSEADDR, IPv6 dual-stack off); throws on failure with the reason.
net::Acceptor open_acceptor(asio::io_context& ioc, const std::string& host, uint16_t port);

}  // namespace x402gw::http
