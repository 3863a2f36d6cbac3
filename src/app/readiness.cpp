#include "app/readiness.hpp"

#include <set>

#include "core/log.hpp"
#include "facilitator/http_facilitator.hpp"
#include "x402/facilitator_messages.hpp"

namespace x402gw::app {

awaitable<http::Readiness> check_readiness(const config::Config& config, net::WorkerContext& worker,
                                           metrics::GatewayMetrics* metrics) {
  http::Readiness readiness;
  readiness.checked = true;
  std::set<size_t> used;
  for (const auto& route : config.routes)
    if (route.priced) used.insert(route.facilitator);

  for (size_t index : used) {
    const config::Facilitator& f = config.facilitators.at(index);
    facilitator::HttpFacilitator client(f, worker, metrics);
    facilitator::SupportedOutcome answer = co_await client.supported();
    if (answer.error) {
      readiness.problems.push_back("facilitator '" + f.name + "': " + answer.detail);
      continue;
    }
    const std::vector<x402::SupportedKind>& kinds = answer.result;
        for (const auto& route : config.routes) {
      if (!route.priced || route.facilitator != index) continue;
      for (const auto& r : route.requirements)
        if (!x402::supports(kinds, r))
          readiness.problems.push_back("route '" + route.name + "' accepts " + r.scheme + " on " + r.network +
                                       ", which facilitator '" + f.name + "' does not list in /supported");
    }
  }
  co_return readiness;
}

awaitable<void> readiness_loop(http::ServerState& state, net::WorkerContext& worker, metrics::GatewayMetrics* metrics,
                               asio::steady_timer& wake) {
  std::vector<std::string> last_problems{"(not checked yet)"};
  for (;;) {
    config::ConfigPtr config = state.current();
    http::Readiness readiness = co_await check_readiness(*config, worker, metrics);
    if (readiness.problems != last_problems) {
      if (readiness.problems.empty()) core::log_event("info", "ready: every facilitator supports what the routes need");
      for (const auto& p : readiness.problems) core::log_event("warn", "not ready", {{"reason", p}});
      last_problems = readiness.problems;
    }
    const bool ready = readiness.problems.empty();
    state.set_readiness(std::move(readiness));
    if (state.draining.load()) co_return;
    wake.expires_after(ready ? std::chrono::seconds(30) : std::chrono::seconds(2));
    co_await wake.async_wait(use_nothrow);  // cancelled by a reload: check again now
    if (state.draining.load()) co_return;
  }
}

}  // namespace x402gw::app
