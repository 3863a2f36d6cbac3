#pragma once
// Readiness and "/supported is the truth": every facilitator the priced routes use is asked for
// /supported at start-up, then every `supported_refresh` (every 2 s while not ready), and again
// right after a reload. The answers check each route's (scheme, network) and fill in what the
// configuration leaves out (the Solana fee payer), swapping in a completed configuration.
#include <boost/asio/steady_timer.hpp>

#include "facilitator/supported_truth.hpp"
#include "http/server_state.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"

namespace x402gw::app {

/// The last /supported answer of each facilitator, by name and URL, so that a reload is completed
/// at once from what is known. Used from the main worker thread only.
class SupportedCache {
 public:
  void update(const config::Config& config, const facilitator::SupportedAnswers& answers);
  /// The known answers for `config`'s facilitators, by index.
  facilitator::SupportedAnswers answers_for(const config::Config& config) const;

 private:
  std::unordered_map<std::string, facilitator::SupportedAnswer> by_key_;
};

/// Asks every facilitator that priced routes use for /supported, one after another.
awaitable<facilitator::SupportedAnswers> ask_supported(const config::Config& config, net::WorkerContext& worker,
                                                       metrics::GatewayMetrics* metrics);

/// `loaded` completed from `answers`, unless `current` already asks for the same payments (then null).
config::ConfigPtr completed_config(const config::ConfigPtr& loaded, const config::ConfigPtr& current,
                                   const facilitator::SupportedAnswers& answers);

/// Probes forever, publishing the result in `state`; `wake` cut short the wait (after a reload).
awaitable<void> readiness_loop(http::ServerState& state, SupportedCache& cache, net::WorkerContext& worker,
                               metrics::GatewayMetrics* metrics, net::Timer& wake);

/// `--check --online`: asks the facilitators once, on a private event loop; returns the problems
/// (empty: every priced route is served by a facilitator that lists it) and writes notes to `notes`.
std::vector<std::string> check_online(const config::Config& config, std::vector<std::string>& notes);

}  // namespace x402gw::app
