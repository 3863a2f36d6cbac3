#pragma once
// The process's circuit breakers, one per facilitator name and URL, shared by every worker thread
// and kept across configuration reloads (a reload that keeps a facilitator keeps what its breaker
// learnt). Each configuration gets its breakers by facilitator index, looked up once.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "facilitator/breaker.hpp"

namespace x402gw::facilitator {

/// The breakers of one configuration, by index into Config::facilitators.
struct BreakerSet {
  uint64_t generation = 0;
  std::vector<std::shared_ptr<Breaker>> by_index;
};

/// Every breaker of the process.
class Breakers {
 public:
  /// The breakers of `config`'s facilitators (cheap when asked again for the same configuration).
  std::shared_ptr<const BreakerSet> for_config(const config::Config& config);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Breaker>> by_key_;  // by Facilitator::pool_key (name|url)
  std::atomic<std::shared_ptr<const BreakerSet>> last_;
};

}  // namespace x402gw::facilitator
