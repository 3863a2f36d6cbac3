#pragma once
// The facilitators of one route for one request: an HTTP client per facilitator in failover order,
// each with its breaker, wrapped in a FailoverFacilitator. Built on the stack: no allocation.
#include <boost/container/static_vector.hpp>

#include "facilitator/breakers.hpp"
#include "facilitator/failover.hpp"
#include "facilitator/http_facilitator.hpp"

namespace x402gw::facilitator {

/// A route's failover chain over the pools of one worker.
class RouteChain {
 public:
  RouteChain(const config::Config& config, const config::Route& route, const BreakerSet& breakers,
             net::WorkerContext& worker, metrics::GatewayMetrics* metrics);
  RouteChain(const RouteChain&) = delete;
  RouteChain& operator=(const RouteChain&) = delete;

  /// The chain, as the paid flow uses it.
  Facilitator& facilitator() { return failover_; }

 private:
  boost::container::static_vector<HttpFacilitator, config::kMaxRouteFacilitators> clients_;
  FailoverFacilitator failover_;
};

}  // namespace x402gw::facilitator
