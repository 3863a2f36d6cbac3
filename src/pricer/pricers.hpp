#pragma once
// Every route pricer's shared state: its circuit breaker (facilitator/breaker, the same machine
// the facilitators use) and its answer cache. One per route name and pricer URL, shared by every
// worker thread and kept across reloads that keep both.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "facilitator/breaker.hpp"
#include "pricing/price_cache.hpp"

namespace x402gw::pricer {

/// One route's pricer state.
struct PricerState {
  explicit PricerState(const config::Pricer& p) : breaker(p.breaker), cache(p.cache_entries) {}
  facilitator::Breaker breaker;
  pricing::PriceCache cache;
  uint64_t generation = 0;  // the configuration its settings were last taken from (guarded by Pricers)
};

/// A pricer breaker as readiness and metrics see it.
struct PricerBreakerView {
  std::string route;
  std::string url;
  facilitator::Breaker::Snapshot snapshot;
};

/// The process's pricer states.
class Pricers {
 public:
  /// The state of `route`'s pricer (route.pricer must be set) in configuration `generation`;
  /// thresholds and cache bound follow a reload.
  std::shared_ptr<PricerState> for_route(const config::Route& route, uint64_t generation);

  /// Every pricer of `config`'s routes, with its breaker at `now`.
  std::vector<PricerBreakerView> breakers(const config::Config& config, facilitator::Breaker::Clock::time_point now);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<PricerState>> by_key_;
};

}  // namespace x402gw::pricer
