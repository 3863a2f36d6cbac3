#pragma once
// Accepting connections and handing each to a worker thread.
#include <functional>

#include "net/asio.hpp"

namespace x402gw::http {

/// Accepts until the acceptor is closed. `dispatch` receives each accepted socket, created on the
/// io_context that `pick_context` chose for it. A failing accept (out of descriptors) backs off.
awaitable<void> accept_loop(tcp::acceptor& acceptor, std::function<asio::io_context&()> pick_context,
                            std::function<void(tcp::socket)> dispatch);

/// Opens a listening acceptor (SO_REUSEADDR, IPv6 dual-stack off); throws on failure with the reason.
tcp::acceptor open_acceptor(asio::io_context& ioc, const std::string& host, uint16_t port);

}  // namespace x402gw::http
