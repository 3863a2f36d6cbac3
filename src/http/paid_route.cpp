#include "http/paid_route.hpp"

#include "facilitator/route_chain.hpp"
#include "payment/flow.hpp"

namespace x402gw::http {

awaitable<std::optional<core::Reply>> run_priced(ServerState& state, net::WorkerContext& worker, routing::RequestContext& ctx,
                                                 net::ClientIo& io, upstream::Delivery& delivery) {
  // The route's facilitators in failover order, over breakers looked up once per configuration.
  const std::shared_ptr<const facilitator::BreakerSet> breakers = state.breakers->for_config(ctx.config);
  facilitator::RouteChain chain(ctx.config, *ctx.route(), *breakers, worker, state.metrics);
  payment::Services services{state.replay_store, state.challenge_limiter, chain.facilitator(), delivery};
  services.reconciler = state.reconciler;
  services.intents = state.intents;
  services.identifiers = state.identifiers;
  services.worker = &worker;
  services.metrics = state.metrics;
  std::optional<core::Reply> reply = co_await payment::run_paid_flow(ctx, io, services);
  co_return reply;
}

}  // namespace x402gw::http
