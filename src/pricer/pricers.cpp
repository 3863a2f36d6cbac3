#include "pricer/pricers.hpp"

namespace x402gw::pricer {
namespace {

std::string key_of(const config::Route& route) { return route.name + "\n" + route.pricer->pool_key; }

}  // namespace

std::shared_ptr<PricerState> Pricers::for_route(const config::Route& route, uint64_t generation) {
  const std::string key = key_of(route);
  std::lock_guard lock(mutex_);
  auto& state = by_key_[key];
  if (!state) state = std::make_shared<PricerState>(*route.pricer);
  if (state->generation != generation) {
    // A reload that keeps the route and its pricer keeps what the breaker learnt and the answers.
    state->breaker.configure(route.pricer->breaker);
    state->cache.set_capacity(route.pricer->cache_entries);
    state->generation = generation;
  }
  return state;
}

std::vector<PricerBreakerView> Pricers::breakers(const config::Config& config, facilitator::Breaker::Clock::time_point now) {
  std::vector<PricerBreakerView> out;
  for (const config::Route& route : config.routes) {
    if (!route.pricer) continue;
    std::shared_ptr<PricerState> state = for_route(route, config.generation);
    out.push_back({route.name, route.pricer->url.to_string(), state->breaker.snapshot(now)});
  }
  return out;
}

}  // namespace x402gw::pricer
