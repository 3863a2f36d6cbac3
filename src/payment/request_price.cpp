#include "payment/request_price.hpp"

#include <boost/range/iterator_range.hpp>

#include "net/request_body.hpp"
#include "payment/challenge_limiter.hpp"
#include "pricer/http_pricer.hpp"
#include "pricing/price_rule.hpp"
#include "pricing/pricer_messages.hpp"

// No class-type temporaries inside a co_await operand (see payment/flow.cpp): named locals only.

namespace x402gw::payment {
namespace {

using core::Error;

core::ErrorReply refusal(Error e, std::string message) { return core::ErrorReply{e, std::move(message), {}}; }

}  // namespace

awaitable<std::variant<Quote, core::ErrorReply>> price_request(routing::RequestContext& ctx, net::ClientIo& io,
                                                               pricer::Pricers* pricers, ChallengeLimiter* limiter,
                                                               net::WorkerContext& worker, metrics::GatewayMetrics* metrics) {
  const config::Route& route = *ctx.route();
  Quote quote;
  const net::RequestHead& head = io.head();
  const bool unpaid = !head.find("PAYMENT-SIGNATURE") && !head.find("X-PAYMENT");
  if (route.pricer && unpaid && limiter) {
    const Allowance allowance = co_await limiter->take(ctx.record.client);
    if (allowance == Allowance::limited)
      co_return core::ErrorReply{Error::rate_limited, "too many payment challenges for this client address; slow down", {{"Retry-After", "1"}}};
    if (allowance == Allowance::unavailable)
      co_return core::ErrorReply{Error::state_unavailable, "the payment state store is unavailable; try again shortly", {{"Retry-After", "1"}}};
    quote.challenge_taken = true;
  }
  if (route.price_reads_body()) {
    // Read once, here: the same bytes are priced and forwarded (the paid flow sends `body`).
    quote.had_body = io.body_pending();
    std::optional<net::BodyFailure> failure = co_await net::read_whole_body(io, quote.body);
    if (failure) co_return refusal(failure->error, std::move(failure->message));
    quote.body_read = true;
  }
  const net::RequestHead& req = io.head();
  pricing::RequestFacts facts;
  facts.match_key = ctx.target().match_key;
  facts.query = ctx.target().query;
  facts.header = [&req](std::string_view name) {
    std::vector<std::string_view> values;
    req.for_each(name, [&](std::string_view value) { values.push_back(value); });
    return values;
  };
  facts.body = quote.body_read ? &quote.body : nullptr;

  std::string amount;
  if (route.price_rule) {
    auto priced = pricing::evaluate(*route.price_rule, facts);
    if (auto* no = std::get_if<pricing::PriceRefusal>(&priced))
      co_return refusal(no->kind == pricing::PriceRefusal::Kind::not_in_table ? Error::price_not_in_table : Error::unpriceable_request,
                        std::move(no->message));
    amount = std::get<std::string>(std::move(priced));
  } else {
    const config::Pricer& p = *route.pricer;
    if (!pricers) co_return refusal(Error::pricer_unavailable, "no pricer client in this process");
    pricing::PricerQuestion q;
    q.method = ctx.record.method;
    q.path = ctx.target().path + ctx.target().query;
    for (const std::string& name : p.headers) {
      std::vector<std::string_view> values = facts.header(name);
      // Given twice, the pricer would price one value while the upstream may read the other:
      // refused, as a rule refuses a repeated header.
      if (values.size() > 1) co_return refusal(Error::unpriceable_request, "the header " + name + " is given more than once");
      if (!values.empty()) q.headers.emplace_back(name, std::string(values.front()));
    }
    for (const std::string& field : p.fields) {
      std::string why;
      if (auto v = pricing::body_value(quote.body, field, &why)) q.fields.emplace_back(field, std::move(*v));
      // Left out, the field would read as absent to the pricer while the upstream reads one of the
      // values (typically the last): the cheap price for the dear request. Refused, as a rule does.
      else if (why == pricing::kDuplicateJsonKey) co_return refusal(Error::unpriceable_request, std::move(why));
    }
    if (p.body_digest) q.body_sha256 = pricing::sha256_hex(quote.body);
    // Cached answers are amounts in the route's asset: a reload that changes the asset (or its
    // decimals) under the same route and pricer must not serve them in the wrong units.
    const x402::Requirement& priced_in = route.requirements.front();
    const std::string cache_key =
        p.cache_key.empty() ? std::string()
                            : priced_in.asset + "|" + std::to_string(priced_in.decimals) + "|" +
                                  pricing::pricer_cache_key(p.cache_key, ctx.record.method, facts, ctx.target().path);
    const pricer::PriceQuestion question{route, pricing::pricer_request_body(q), cache_key, route.requirements.front().decimals};
    std::shared_ptr<pricer::PricerState> state = pricers->for_route(route, ctx.config.generation);
    pricer::PriceOutcome out = co_await pricer::ask_price(question, *state, worker, metrics);
    if (out.error) co_return core::ErrorReply{*out.error, std::move(out.detail), {{"Retry-After", "1"}}};
    switch (out.answer.kind) {
      case pricing::PricerAnswer::Kind::free: quote.free = true; co_return quote;
      case pricing::PricerAnswer::Kind::refuse:
        co_return refusal(Error::pricer_refused,
                          out.answer.reason.empty() ? "the pricer refused to price this request" : "the pricer refused: " + out.answer.reason);
      case pricing::PricerAnswer::Kind::price: break;
    }
    // An upto route's requirement is the maximum the buyer authorizes: the pricer's max if it gave one.
    amount = pricing::quoted_amount(out.answer, route.requirements.front().scheme);
  }
  quote.requirements = route.requirements;
  quote.requirements.front().amount = amount;
  quote.key = std::move(amount);
  co_return quote;
}

}  // namespace x402gw::payment
