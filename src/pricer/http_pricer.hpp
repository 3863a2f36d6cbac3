#pragma once
// Asking a route's pricer for the price of one request: a POST of pricing/pricer_messages' JSON
// over pooled connections of the worker thread, under one deadline for the whole call (connect,
// write, read), behind the pricer's breaker and cache. Fail closed: any failure is an error the
// caller answers with 503, never a free request.
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/error.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"
#include "pricer/pricers.hpp"
#include "pricing/pricer_messages.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}

namespace x402gw::pricer {

/// Largest pricer answer read.
inline constexpr uint64_t kMaxPricerAnswer = 64 * 1024;

/// The pricer's verdict, or why there is none.
struct PriceOutcome {
  std::optional<core::Error> error;
  std::string detail;
  pricing::PricerAnswer answer;
  bool cached = false;
};

/// One route's question. `cache_key` empty: not cached. `decimals`: the requirement's asset.
struct PriceQuestion {
  const config::Route& route;
  std::string body;                 // pricer_request_body()
  std::string cache_key;
  int decimals = 6;
};

/// Asks (or finds in the cache) the price of a request.
awaitable<PriceOutcome> ask_price(const PriceQuestion& question, PricerState& state, net::WorkerContext& worker,
                                  metrics::GatewayMetrics* metrics);

}  // namespace x402gw::pricer
