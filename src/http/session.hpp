#pragma once
// A client connection: requests read one after another (keep-alive), each routed and answered.
#include "http/server_state.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"

namespace x402gw::http {

/// Serves one accepted connection until it closes.
awaitable<void> run_session(tcp::socket socket, ServerState& state, net::WorkerContext& worker);

}  // namespace x402gw::http
