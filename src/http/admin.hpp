#pragma once
// The admin listener: health and readiness for orchestrators. Keep it on loopback.
#include "http/server_state.hpp"
#include "net/asio.hpp"

namespace x402gw::http {

/// Serves one admin connection.
awaitable<void> run_admin_session(net::Socket socket, ServerState& state);

}  // namespace x402gw::http
