#include "app/readiness.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "core/log.hpp"
#include "facilitator/http_facilitator.hpp"

namespace x402gw::app {

void SupportedCache::update(const config::Config& config, const facilitator::SupportedAnswers& answers) {
  for (size_t i = 0; i < answers.size() && i < config.facilitators.size(); ++i)
    if (answers[i].answered) by_key_[config.facilitators[i].pool_key] = answers[i];
}

facilitator::SupportedAnswers SupportedCache::answers_for(const config::Config& config) const {
  facilitator::SupportedAnswers out(config.facilitators.size());
  for (size_t i = 0; i < config.facilitators.size(); ++i)
    if (auto it = by_key_.find(config.facilitators[i].pool_key); it != by_key_.end()) out[i] = it->second;
  return out;
}

awaitable<facilitator::SupportedAnswers> ask_supported(const config::Config& config, net::WorkerContext& worker,
                                                       metrics::GatewayMetrics* metrics) {
  facilitator::SupportedAnswers answers(config.facilitators.size());
  for (size_t index : facilitator::used_facilitators(config)) {
    facilitator::HttpFacilitator client(config.facilitators[index], worker, metrics);
    facilitator::SupportedOutcome answer = co_await client.supported();
    facilitator::SupportedAnswer& a = answers[index];
    if (answer.error) {
      a.error = answer.detail;
    } else {
      a.answered = true;
      a.kinds = std::move(answer.result);
    }
  }
  co_return answers;
}

config::ConfigPtr completed_config(const config::ConfigPtr& loaded, const config::ConfigPtr& current,
                                   const facilitator::SupportedAnswers& answers) {
  auto completed = facilitator::complete_from_supported(*loaded, answers);
  if (!completed || (current && current != loaded && facilitator::same_requirements(*completed, *current))) return nullptr;
  return std::make_shared<const config::Config>(std::move(*completed));
}

awaitable<void> readiness_loop(http::ServerState& state, SupportedCache& cache, net::WorkerContext& worker,
                               metrics::GatewayMetrics* metrics, net::Timer& wake) {
  std::vector<std::string> last_problems{"(not checked yet)"};
  for (;;) {
    config::ConfigPtr loaded = state.loaded();
    facilitator::SupportedAnswers answers = co_await ask_supported(*loaded, worker, metrics);
    cache.update(*loaded, answers);
    // A reload while asking replaced `loaded`: its own completion happened then; ask again.
    if (state.loaded() == loaded) {
      if (auto completed = completed_config(loaded, state.current(), answers)) {
        core::log_event("info", "configuration completed from the facilitators' /supported");
        state.config.store(std::move(completed), std::memory_order_release);
      }
    }
    const config::ConfigPtr current = state.current();
    facilitator::Findings findings = facilitator::check_routes(*current, answers);
    http::Readiness readiness;
    readiness.checked = true;
    readiness.problems = std::move(findings.problems);
    readiness.warnings = std::move(findings.warnings);
    if (readiness.problems != last_problems) {
      if (readiness.problems.empty()) core::log_event("info", "ready: every facilitator supports what the routes need");
      for (const auto& p : readiness.problems) core::log_event("warn", "not ready", {{"reason", p}});
      last_problems = readiness.problems;
    }
    const bool ready = readiness.problems.empty();
    state.set_readiness(std::move(readiness));
    if (state.draining.load()) co_return;
    wake.expires_after(ready ? std::chrono::milliseconds(current->supported_refresh) : std::chrono::milliseconds(2000));
    co_await wake.async_wait(use_nothrow);  // cancelled by a reload: check again now
    if (state.draining.load()) co_return;
  }
}

std::vector<std::string> check_online(const config::Config& config, std::vector<std::string>& notes) {
  asio::io_context ioc;
  net::WorkerContext worker;
  for (const auto& f : config.facilitators)
    if (f.url.tls) worker.tls.get(f.tls);
  facilitator::SupportedAnswers answers;
  asio::co_spawn(
      ioc, [&]() -> awaitable<void> { answers = co_await ask_supported(config, worker, nullptr); }, asio::detached);
  ioc.run();
  const config::Config* checked = &config;
  auto completed = facilitator::complete_from_supported(config, answers);
  if (completed) {
    checked = &*completed;
    for (size_t r = 0; r < config.routes.size(); ++r)
      for (size_t q = 0; q < config.routes[r].requirements.size(); ++q)
        if (config.routes[r].requirements[q].extra != completed->routes[r].requirements[q].extra) {
          const auto& extra = completed->routes[r].requirements[q].extra;
          const bool upto = completed->routes[r].requirements[q].scheme == "upto";
          notes.push_back("route '" + config.routes[r].name + (upto ? "': upto facilitator address " : "': fee payer ") +
                          extra.value(upto ? "facilitatorAddress" : "feePayer", std::string()) + " taken from /supported");
        }
  }
  facilitator::Findings findings = facilitator::check_routes(*checked, answers);
  for (auto& w : findings.warnings) notes.push_back("warning: " + w);
  return findings.problems;
}

}  // namespace x402gw::app
