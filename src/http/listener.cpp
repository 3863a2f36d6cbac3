#include "http/listener.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <stdexcept>

#include "core/log.hpp"
#include "http/replies.hpp"
#include "metrics/gateway_metrics.hpp"

namespace x402gw::http {

net::Acceptor open_acceptor(asio::io_context& ioc, const std::string& host, uint16_t port) {
  error_code ec;
  auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    net::Resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) throw std::runtime_error("cannot resolve listen host '" + host + "'");
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, port);
  net::Acceptor acceptor(ioc);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  if (endpoint.protocol() == tcp::v6()) acceptor.set_option(asio::ip::v6_only(true));
  acceptor.bind(endpoint, ec);
  if (ec) throw std::runtime_error("cannot listen on " + endpoint.address().to_string() + ":" + std::to_string(port) + ": " + ec.message());
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

namespace {

// The refusal a plain listener writes: the one reply renderer's 503, head and body in one piece.
std::string refusal_bytes(Refusal why) {
  const char* message = why == Refusal::per_address ? "this address holds limits.max_connections_per_address connections; try again shortly"
                        : why == Refusal::admin_connections ? "the admin listener holds as many connections as it takes; try again shortly"
                                                            : "the gateway holds limits.max_connections connections; try again shortly";
  const core::Reply reply = core::ErrorReply{core::Error::too_many_connections, message, {}};
  const WireReply wire = render(reply, 11, false, false);
  return wire.head + std::string(wire.body());
}

}  // namespace

peer::IpAddress peer_address(const net::Socket& socket) {
  error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) return {};
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    return peer::ip_from_bytes(bytes.data(), bytes.size());
  }
  const auto bytes = address.to_v6().to_bytes();
  return peer::ip_from_bytes(bytes.data(), bytes.size());
}

namespace {

// The slot of an admitted connection, or the refusal carried out: counted, a plain connection's
// 503 written without waiting, the socket closed.
ConnectionSlot admitted_or_closed(ConnectionGate::Admission a, net::Socket& socket, ServerState& state, bool tls) {
  if (a.refused == Refusal::none) return std::move(a.slot);
  if (state.metrics) state.metrics->limit_breach(refusal_label(a.refused));
  error_code ignored;
  if (!tls) {
    // Nothing is read and nothing waited for: one non-blocking send into the empty send buffer.
    const std::string bytes = refusal_bytes(a.refused);
    socket.non_blocking(true, ignored);
    socket.send(asio::buffer(bytes), 0, ignored);
    socket.shutdown(net::Socket::shutdown_send, ignored);
  }
  socket.close(ignored);
  return {};
}

}  // namespace

ConnectionSlot admit_connection(net::Socket& socket, ServerState& state, bool tls) {
  const config::ConfigPtr config = state.current();
  const config::Limits& l = config->limits;
  const peer::IpAddress peer = peer_address(socket);
  ConnectionGate::Admission a = state.connection_gate.admit(
      peer, config->trusted_proxies.contains(peer), tls,
      GateLimits{std::min(l.max_connections, state.connection_budget), l.max_connections_per_address, l.max_tls_handshakes});
  return admitted_or_closed(std::move(a), socket, state, tls);
}

ConnectionSlot admit_admin_connection(net::Socket& socket, ServerState& state) {
  ConnectionGate::Admission a = state.admin_gate.admit(peer_address(socket), true, false, GateLimits{kMaxAdminConnections, 0, 0});
  if (a.refused == Refusal::connections) a.refused = Refusal::admin_connections;
  return admitted_or_closed(std::move(a), socket, state, false);
}

awaitable<void> accept_loop(net::Acceptor& acceptor, std::function<asio::io_context&()> pick_context,
                            std::function<void(net::Socket)> dispatch) {
  net::Timer backoff(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(pick_context(), use_nothrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Typically EMFILE: spinning would burn the CPU that in-flight requests need.
      core::log_event("warn", "accept failed", {{"error", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    dispatch(std::move(socket));
  }
}

}  // namespace x402gw::http
