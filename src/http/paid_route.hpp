#pragma once
// A request on a priced route, with the server's payment services: shared by the reverse proxy
// (the Delivery forwards) and forward-auth listeners (the Delivery answers the proxy in front).
#include <optional>

#include "core/reply.hpp"
#include "http/server_state.hpp"
#include "net/client_io.hpp"
#include "net/worker_context.hpp"
#include "routing/request_context.hpp"
#include "upstream/delivery.hpp"

namespace x402gw::http {

/// Runs the paid flow for `ctx` (a priced route) with the route's facilitator chain and the
/// server's replay store, limiter, reconciler, intents and identifiers; answers come from `delivery`.
awaitable<std::optional<core::Reply>> run_priced(ServerState& state, net::WorkerContext& worker, routing::RequestContext& ctx,
                                                 net::ClientIo& io, upstream::Delivery& delivery);

}  // namespace x402gw::http
