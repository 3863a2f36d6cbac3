#pragma once
// The pricing step between decide() and the challenge, for routes whose price depends on the
// request (a `price: {from, table}` rule or a `pricer:`): reads the body first where the price
// needs it (bounded by the route's max_request_body, under timeouts.request_body), computes the
// price, and yields this request's requirements. The paid flow then quotes them in its 402 and
// checks the payment against them: a payment is bound to the price of the request it comes with.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/reply.hpp"
#include "net/client_io.hpp"
#include "net/worker_context.hpp"
#include "routing/request_context.hpp"
#include "x402/requirements.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}
namespace x402gw::pricer {
class Pricers;
}

namespace x402gw::payment {

/// The price of one request.
struct Quote {
  std::vector<x402::Requirement> requirements;  // the route's, with this request's amount
  std::string key;              // what the caches of wire forms key on: the computed amount
  bool body_read = false;       // the body was read to price it: `body` is what is forwarded
  bool had_body = false;        // the request carried a body
  std::string body;
  bool free = false;            // the pricer said free: forwarded without a payment
  bool challenge_taken = false; // an unpaid request drew its challenge before the pricer was asked
};

class ChallengeLimiter;

/// Prices the request of a route with `priced_per_request()`; an error reply when it cannot be
/// priced (400), the pricer refused (403) or failed (503: fail closed, never free). An unpaid
/// request to a pricer route takes its challenge from `limiter` first (429 over the limit): a
/// flood of unpaid requests must not become a flood of pricer calls.
awaitable<std::variant<Quote, core::ErrorReply>> price_request(routing::RequestContext& ctx, net::ClientIo& io,
                                                               pricer::Pricers* pricers, ChallengeLimiter* limiter,
                                                               net::WorkerContext& worker, metrics::GatewayMetrics* metrics);

}  // namespace x402gw::payment
