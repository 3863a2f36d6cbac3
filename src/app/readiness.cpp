#include "app/readiness.hpp"

#include <set>

#include "app/log.hpp"
#include "facilitator/client.hpp"
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
    const std::string path = "/supported", no_body;
    auto started = std::chrono::steady_clock::now();
    facilitator::RawReply reply = co_await facilitator::call(f, worker, ::boost::beast::http::verb::get, path, no_body);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::optional<std::vector<x402::SupportedKind>> kinds;
    std::string outcome = "ok";
    if (reply.failure) {
      outcome = std::string(http_errors::code_of(*reply.failure));
      readiness.problems.push_back("facilitator '" + f.name + "': " + reply.detail);
    } else if (reply.status / 100 != 2 || !(kinds = x402::parse_supported_response(reply.body))) {
      outcome = "facilitator_bad_response";
      readiness.problems.push_back("facilitator '" + f.name + "': /supported answered HTTP " + std::to_string(reply.status) +
                                   " without a kinds list");
    }
    if (metrics) metrics->facilitator_call(f.name, "supported", outcome, seconds);
    if (!kinds) continue;
    for (const auto& route : config.routes) {
      if (!route.priced || route.facilitator != index) continue;
      for (const auto& r : route.requirements)
        if (!x402::supports(*kinds, r))
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
      if (readiness.problems.empty()) log_event("info", "ready: every facilitator supports what the routes need");
      for (const auto& p : readiness.problems) log_event("warn", "not ready", {{"reason", p}});
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
