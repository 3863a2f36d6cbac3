#include "facilitator/route_chain.hpp"

namespace x402gw::facilitator {

RouteChain::RouteChain(const config::Config& config, const config::Route& route, const BreakerSet& breakers,
                       net::WorkerContext& worker, metrics::GatewayMetrics* metrics)
    : failover_(metrics) {
  for (size_t index : route.facilitators) {
    if (clients_.size() == clients_.capacity()) break;  // the loader refuses longer lists
    clients_.emplace_back(config.facilitators.at(index), worker, metrics);
    failover_.add({&clients_.back(), breakers.by_index.at(index).get()});
  }
}

}  // namespace x402gw::facilitator
