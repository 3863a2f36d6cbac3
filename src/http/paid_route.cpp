#include "http/paid_route.hpp"

#include "facilitator/route_chain.hpp"
#include "payment/flow.hpp"
#include "payment/request_price.hpp"

namespace x402gw::http {

awaitable<std::optional<core::Reply>> run_priced(ServerState& state, net::WorkerContext& worker, routing::RequestContext& ctx,
                                                 net::ClientIo& io, upstream::Delivery& delivery) {
  // A price from the request (a rule or a pricer) is computed before the challenge: the 402
  // quotes it, and the payment must match it.
  payment::Quote quote;
  if (ctx.route()->priced_per_request()) {
    std::variant<payment::Quote, core::ErrorReply> priced =
        co_await payment::price_request(ctx, io, state.pricers, state.challenge_limiter, worker, state.metrics);
    if (auto* refused = std::get_if<core::ErrorReply>(&priced)) co_return std::move(*refused);
    quote = std::get<payment::Quote>(std::move(priced));
    if (quote.free) {
      upstream::ForwardOptions options;
      if (quote.body_read && quote.had_body) options.body = &quote.body;
      upstream::ForwardResult result = co_await delivery.stream(ctx, io, options);
      std::optional<core::Reply> reply;
      if (result.error) {
        if (io.response_started()) io.must_close();
        else reply = core::ErrorReply{*result.error, std::move(result.detail), {}};
      }
      co_return reply;
    }
  }
  // The route's facilitators in failover order, over breakers looked up once per configuration.
  const std::shared_ptr<const facilitator::BreakerSet> breakers = state.breakers->for_config(ctx.config);
  facilitator::RouteChain chain(ctx.config, *ctx.route(), *breakers, worker, state.metrics);
  payment::Services services{state.replay_store, state.challenge_limiter, chain.facilitator(), delivery};
  services.reconciler = state.reconciler;
  services.intents = state.intents;
  services.identifiers = state.identifiers;
  services.worker = &worker;
  services.metrics = state.metrics;
  if (ctx.route()->priced_per_request()) services.quote = &quote;
  std::optional<core::Reply> reply = co_await payment::run_paid_flow(ctx, io, services);
  co_return reply;
}

}  // namespace x402gw::http
