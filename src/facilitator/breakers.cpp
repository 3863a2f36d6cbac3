#include "facilitator/breakers.hpp"

namespace x402gw::facilitator {

std::shared_ptr<const BreakerSet> Breakers::for_config(const config::Config& config) {
  if (auto last = last_.load(std::memory_order_acquire); last && last->generation == config.generation) return last;
  std::lock_guard lock(mutex_);
  auto set = std::make_shared<BreakerSet>();
  set->generation = config.generation;
  for (const auto& f : config.facilitators) {
    auto& breaker = by_key_[f.pool_key];
    if (!breaker) breaker = std::make_shared<Breaker>(f.breaker);
    else breaker->configure(f.breaker);
    set->by_index.push_back(breaker);
  }
  // Requests of an older configuration still finishing keep their own set; only newer ones replace it.
  if (auto last = last_.load(std::memory_order_acquire); !last || last->generation < config.generation)
    last_.store(set, std::memory_order_release);
  return set;
}

}  // namespace x402gw::facilitator
