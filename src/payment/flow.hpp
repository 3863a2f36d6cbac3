#pragma once
// The thin coroutine that drives PaidFlow (paid_flow.hpp): it decodes the payment, claims it, asks
// the facilitator, forwards through the Delivery, and returns the reply the session writes. All
// decisions are the machine's; this file only performs them.
#include <optional>

#include "core/reply.hpp"
#include "facilitator/facilitator.hpp"
#include "net/client_io.hpp"
#include "net/worker_context.hpp"
#include "payment/payment_identifiers.hpp"
#include "payment/challenge_limiter.hpp"
#include "payment/reconciler.hpp"
#include "payment/request_price.hpp"
#include "payment/replay_store.hpp"
#include "payment/settle_intents.hpp"
#include "routing/request_context.hpp"
#include "upstream/delivery.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}

namespace x402gw::payment {

/// What a paid request uses besides its own data and I/O.
struct Services {
  ReplayStore* replay = nullptr;              // null: no replay protection (unit tests only)
  ChallengeLimiter* challenge_limiter = nullptr;  // null: unlimited
  facilitator::Facilitator& facilitator;      // the route's facilitator
  upstream::Delivery& delivery;               // where the answer comes from
  Reconciler* reconciler = nullptr;           // null: unknown outcomes are kept in the store only
  SettleIntents* intents = nullptr;           // null (no state.dir): a /settle is not recorded before it goes out
  PaymentIdentifiers* identifiers = nullptr;  // null: the payment-identifier extension is not served
  net::WorkerContext* worker = nullptr;       // pools for the chains' JSON-RPC (pay-then-prove); null: none
  metrics::GatewayMetrics* metrics = nullptr; // null: not counted
  Quote* quote = nullptr;                     // a route priced per request: this request's price (its body is moved out); null: the route's
};

/// Retry-After of a 402 payment_pending answer, in seconds: about the reconciler's first waits.
inline constexpr int kPendingRetryAfterSeconds = 5;

/// Serves a request on a priced route. Returns the reply to write, or nullopt when the answer was
/// written already (streamed or released by the Delivery) or nobody is left to answer.
awaitable<std::optional<core::Reply>> run_paid_flow(routing::RequestContext& ctx, net::ClientIo& io, Services& services);

}  // namespace x402gw::payment
