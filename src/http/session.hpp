#pragma once
// A client connection: requests read one after another (keep-alive), each decided and answered.
// Nothing a client sends can escape a session: every failure ends as a reply or a closed
// connection, counted and logged, and the connection counters are held by guards.
#include "http/server_state.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"

namespace x402gw::http {

/// Serves one accepted connection until it closes. Never throws. With `proxy_protocol`, the
/// connection must begin with a PROXY header from a trusted peer, which names the client.
awaitable<void> run_session(tcp::socket socket, ServerState& state, net::WorkerContext& worker, bool proxy_protocol = false);

}  // namespace x402gw::http
