#pragma once
// Readiness: every facilitator the routes use must answer /supported and list the (scheme,
// network) pairs those routes need. Probed at start-up, then every 30 s (every 2 s while not
// ready), and again right after a reload.
#include <boost/asio/steady_timer.hpp>

#include "http/server_state.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"

namespace x402gw::app {

/// Checks the facilitators of the current configuration once; returns what is missing.
awaitable<http::Readiness> check_readiness(const config::Config& config, net::WorkerContext& worker,
                                           metrics::GatewayMetrics* metrics);

/// Probes forever, publishing the result in `state`; `wake` cut short the wait (after a reload).
awaitable<void> readiness_loop(http::ServerState& state, net::WorkerContext& worker, metrics::GatewayMetrics* metrics,
                               asio::steady_timer& wake);

}  // namespace x402gw::app
