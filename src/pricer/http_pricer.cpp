#include "pricer/http_pricer.hpp"

#include <boost/beast/http/string_body.hpp>

#include "metrics/gateway_metrics.hpp"
#include "net/pooled_exchange.hpp"
#include "net/whole_exchange.hpp"

namespace x402gw::pricer {
namespace {

using core::Error;
using Clock = std::chrono::steady_clock;

std::string_view outcome_name(const PriceOutcome& out) {
  if (out.error) return core::name(*out.error);
  switch (out.answer.kind) {
    case pricing::PricerAnswer::Kind::price: return "price";
    case pricing::PricerAnswer::Kind::free: return "free";
    case pricing::PricerAnswer::Kind::refuse: return "refuse";
  }
  return "price";
}

// One POST under the pricer's deadline; the answer parsed, or the error.
awaitable<PriceOutcome> call(const config::Pricer& p, const std::string& body, int decimals, net::WorkerContext& worker) {
  const auto deadline = Clock::now() + p.timeout;
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, p.url.base_path.empty() ? "/" : p.url.base_path, 11};
  req.set(bhttp::field::host, p.url.host_header());
  req.set(bhttp::field::user_agent, "x402-gateway");
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::content_type, "application/json");
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  // The connect has what is left of the call's deadline, no more: one timeout for the whole call.
  const net::Origin origin{&p.url, &p.tls, p.timeout, &p.pool_key, p.idle_timeout};
  net::AnswerParser parser;
  auto attempt = [&](net::Connection& conn) { return net::write_then_read(conn, req, parser, kMaxPricerAnswer, deadline); };
  // Asking a price has no effect: a stale pooled connection's question is asked again.
  net::PooledResult pooled = co_await net::pooled_exchange(worker.facilitators, worker.tls, origin, net::Resend::if_unanswered, true, attempt);
  PriceOutcome out;
  if (!pooled.connection) {
    const Error e = net::transport_error(net::Side::facilitator, pooled.failure);
    const bool timed_out = e == Error::facilitator_timeout || e == Error::facilitator_connect_timeout || Clock::now() >= deadline;
    out.error = timed_out ? Error::pricer_timeout : Error::pricer_unavailable;
    out.detail = timed_out ? "the pricer did not answer within " + std::to_string(p.timeout.count()) + "ms"
                           : "cannot reach the pricer at " + p.url.to_string();
    co_return out;
  }
  const unsigned status = parser->status();
  std::string answer = std::move(parser->body());
  if (parser->keep_alive()) worker.facilitators.put(p.pool_key, std::move(pooled.connection), p.max_idle_connections);
  if (status != 200) {
    out.error = Error::pricer_unavailable;
    out.detail = "the pricer answered HTTP " + std::to_string(status);
    co_return out;
  }
  auto parsed = pricing::parse_pricer_answer(answer, decimals);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    out.error = Error::pricer_bad_response;
    out.detail = "the pricer's answer is not usable: " + *why;
    co_return out;
  }
  out.answer = std::get<pricing::PricerAnswer>(std::move(parsed));
  co_return out;
}

}  // namespace

awaitable<PriceOutcome> ask_price(const PriceQuestion& q, PricerState& state, net::WorkerContext& worker,
                                  metrics::GatewayMetrics* metrics) {
  const config::Pricer& p = *q.route.pricer;
  const bool caching = !q.cache_key.empty() && p.cache_ttl.count() > 0;
  if (caching) {
    std::optional<pricing::PricerAnswer> hit = state.cache.get(q.cache_key, Clock::now());
    if (metrics) metrics->pricer_cache(q.route.name, hit.has_value());
    if (hit) {
      PriceOutcome out;
      out.answer = std::move(*hit);
      out.cached = true;
      if (metrics) metrics->pricer_call(q.route.name, outcome_name(out), -1);
      co_return out;
    }
  }
  const facilitator::Admission admission = state.breaker.admit(Clock::now());
  if (admission == facilitator::Admission::refused) {
    PriceOutcome out;
    out.error = Error::pricer_circuit_open;
    out.detail = "the pricer failed repeatedly and is not asked for now (its breaker is open)";
    if (metrics) metrics->pricer_call(q.route.name, outcome_name(out), -1);
    co_return out;
  }
  const auto started = Clock::now();
  PriceOutcome out = co_await call(p, q.body, q.decimals, worker);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  // A refusal is an answer: only a pricer that failed to answer counts against its breaker.
  state.breaker.record(admission, !out.error, Clock::now(), out.error ? core::name(*out.error) : std::string_view{});
  if (caching && !out.error) state.cache.put(q.cache_key, out.answer, Clock::now() + p.cache_ttl);
  if (metrics) metrics->pricer_call(q.route.name, outcome_name(out), seconds);
  co_return out;
}

}  // namespace x402gw::pricer
