#include "payment/flow.hpp"

#include "facilitator/client.hpp"
#include "payment/challenge_cache.hpp"
#include "http/local_reply.hpp"
#include "http/rate_limiter.hpp"
#include "metrics/gateway_metrics.hpp"
#include "payment/replay_guard.hpp"
#include "upstream/proxy.hpp"
#include "x402/challenge.hpp"
#include "x402/facilitator_messages.hpp"
#include "x402/payment_payload.hpp"

// A rule for every coroutine call in this project: no class-type temporaries (strings, lists,
// ?: results) inside a co_await operand. GCC 12 destroys some of them twice; named locals are safe.

namespace x402gw::payment {
namespace {

namespace bhttp = ::boost::beast::http;
using http_errors::Failure;

// Browsers reading these from another origin need them exposed.
constexpr const char* kExposed = "PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE";

x402::ResourceInfo resource_of(const http::Exchange& ex) {
  const config::Route& route = *ex.route;
  std::string base = ex.config.public_url.empty() ? "http://" + ex.host : ex.config.public_url;
  return x402::ResourceInfo{base + ex.target.path, route.description, route.mime_type, route.output_schema};
}

const char* receipt_header(int version) { return version == 2 ? "PAYMENT-RESPONSE" : "X-PAYMENT-RESPONSE"; }

awaitable<void> send_challenge(http::Exchange& ex, const x402::ResourceInfo& resource, const std::string& code,
                               const std::string& message, http::HeaderList headers = {}) {
  // Challenges are cheap one by one, not as a flood from one address.
  if (ex.challenge_limiter && !ex.challenge_limiter->allow(ex.client_ip)) {
    http::HeaderList retry{{"Retry-After", "1"}};
    const std::string why = "too many payment challenges for this client address; slow down";
    co_await http::send_failure(ex, http_errors::Failure::rate_limited, why, retry);
    co_return;
  }
  ex.challenged = true;
  // The plain challenge is the same for every unpaid request of a route and host: build it once.
  thread_local ChallengeCache cache;
  x402::Challenge challenge;
  if (code == "payment_required")
    challenge = cache.get(ex.config.generation, *ex.route, resource, message);
  else
    challenge = x402::build_challenge(ex.route->requirements, resource, code, message);
  headers.emplace_back("PAYMENT-REQUIRED", std::move(challenge.header_value));
  headers.emplace_back("Access-Control-Expose-Headers", kExposed);
  if (code != "payment_required") ex.failure_code = code;
  const std::string_view content_type = "application/json";
  co_await http::send_local(ex, 402, std::move(challenge.body), content_type, headers);
}

// The payment header the client sent, and which protocol generation it belongs to.
std::pair<int, std::string_view> payment_header(http::Exchange& ex) {
  auto& req = ex.request();
  if (auto it = req.find("PAYMENT-SIGNATURE"); it != req.end()) return {2, it->value()};
  if (auto it = req.find("X-PAYMENT"); it != req.end()) return {1, it->value()};
  return {0, {}};
}

// Runs one facilitator call, adding its time to the exchange and to the latency histogram.
template <class F>
auto timed(http::Exchange& ex, const config::Facilitator& facilitator, const char* endpoint, F&& call) -> decltype(call()) {
  auto started = std::chrono::steady_clock::now();
  auto result = co_await call();
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  ex.facilitator_time += elapsed;
  if (ex.metrics) {
    const std::string outcome = result.failure ? std::string(http_errors::code_of(*result.failure)) : "ok";
    ex.metrics->facilitator_call(facilitator.name, endpoint, outcome, static_cast<double>(elapsed.count()) / 1e6);
  }
  co_return result;
}

// Settles; on any failure answers the client (body dropped, failed receipt attached) and returns
// nullopt. On success returns the receipt header value.
awaitable<std::optional<std::string>> settle_or_refuse(http::Exchange& ex, const config::Facilitator& facilitator,
                                                       const std::string& body, int version,
                                                       const x402::ResourceInfo& resource, ClaimHold* hold) {
  auto settled = co_await timed(ex, facilitator, "settle", [&] { return facilitator::settle(facilitator, ex.worker, body); });
  if (settled.failure) {
    if (hold) hold->release();
    ex.payment = "settle_error";
    auto receipt = x402::failed_settlement(std::string(http_errors::code_of(*settled.failure)), settled.detail,
                                           ex.network, ex.payer);
    http::HeaderList headers{{receipt_header(version), x402::encode_receipt(receipt)},
                             {"Access-Control-Expose-Headers", kExposed}};
    co_await http::send_failure(ex, *settled.failure, settled.detail, headers);
    co_return std::nullopt;
  }
  if (!settled.result.success) {
    if (hold) hold->release();
    ex.payment = "settle_failed";
    http::HeaderList headers{{receipt_header(version), x402::encode_receipt(settled.result)}};
    std::string message = settled.result.error_message.empty() ? "the facilitator could not settle the payment"
                                                               : settled.result.error_message;
    co_await send_challenge(ex, resource, settled.result.error_reason, message, std::move(headers));
    co_return std::nullopt;
  }
  if (hold) hold->settle();
  ex.payment = "settled";
  ex.transaction = settled.result.transaction;
  if (!settled.result.payer.empty()) ex.payer = settled.result.payer;
  co_return x402::encode_receipt(settled.result);
}

}  // namespace

awaitable<void> handle_priced(http::Exchange& ex) {
  const config::Route& route = *ex.route;
  const x402::ResourceInfo resource = resource_of(ex);

  auto [version, header] = payment_header(ex);
  if (version == 0) {
    ex.payment = "challenged";
    const std::string code = "payment_required";
    const std::string message = "Payment required: pay with X-PAYMENT (x402 v1) or PAYMENT-SIGNATURE (x402 v2)";
    co_await send_challenge(ex, resource, code, message);
    co_return;
  }

  auto decoded = x402::decode_payment_header(header, version);
  if (auto* rejection = std::get_if<x402::PaymentRejection>(&decoded)) {
    ex.payment = "rejected";
    co_await send_challenge(ex, resource, rejection->code, rejection->message);
    co_return;
  }
  const x402::PaymentPayload& payment = std::get<x402::PaymentPayload>(decoded);
  auto matched = x402::match_requirement(payment, route.requirements);
  if (auto* rejection = std::get_if<x402::PaymentRejection>(&matched)) {
    ex.payment = "rejected";
    co_await send_challenge(ex, resource, rejection->code, rejection->message);
    co_return;
  }
  const x402::Requirement& requirement = route.requirements[std::get<size_t>(matched)];

  // One payment, one use: claimed before anything is asked of the facilitator or the upstream.
  const std::string identity = payment_identity(payment);
  if (ex.replay_guard) {
    const Claim claim = ex.replay_guard->claim(identity);
    if (claim != Claim::applied) {
      ex.payment = "rejected";
      const std::string code = claim == Claim::in_flight ? "payment_in_flight" : "payment_already_used";
      const std::string message = claim == Claim::in_flight
                                      ? "this payment is being processed by another request"
                                      : "this payment was already used; sign a new one";
      co_await send_challenge(ex, resource, code, message);
      co_return;
    }
  }
  std::optional<ClaimHold> hold;
  if (ex.replay_guard) hold.emplace(*ex.replay_guard, identity);
  ClaimHold* claim = hold ? &*hold : nullptr;
  auto release = [&] {
    if (claim) claim->release();
  };
  ex.network = requirement.network;
  ex.asset = requirement.asset_symbol.empty() ? requirement.asset : requirement.asset_symbol;
  ex.amount = requirement.amount;

  const config::Facilitator& facilitator = ex.config.facilitators.at(route.facilitator);
  const std::string body = x402::facilitator_request_body(payment, requirement, resource);

  auto verified = co_await timed(ex, facilitator, "verify", [&] { return facilitator::verify(facilitator, ex.worker, body); });
  if (verified.failure) {
    release();
    ex.payment = "verify_error";
    co_await http::send_failure(ex, *verified.failure, verified.detail);
    co_return;
  }
  ex.payer = verified.result.payer.empty() ? x402::payload_payer(payment) : verified.result.payer;
  if (!verified.result.valid) {
    release();
    ex.payment = "rejected";
    const std::string message = verified.result.invalid_message.empty() ? "the facilitator found the payment invalid"
                                                                        : verified.result.invalid_message;
    co_await send_challenge(ex, resource, verified.result.invalid_reason, message);
    co_return;
  }

  ex.verified = true;
  upstream::ForwardOptions options;
  if (!route.payer_header.empty() && !ex.payer.empty()) options.request_headers.emplace_back(route.payer_header, ex.payer);

  if (route.settlement == config::Settlement::before) {
    auto receipt = co_await settle_or_refuse(ex, facilitator, body, version, resource, claim);
    if (!receipt) co_return;
    options.response_headers = {{receipt_header(version), *receipt}, {"Access-Control-Expose-Headers", kExposed}};
    auto result = co_await upstream::forward_streaming(ex, options);
    // Paid, but the upstream failed: the client still gets its receipt, as proof for a refund.
    if (result.failure && !result.response_started)
      co_await http::send_failure(ex, *result.failure, result.detail, options.response_headers);
    co_return;
  }

  auto [result, response] = co_await upstream::forward_buffered(ex, options, ex.config.limits.max_buffered_response);
  if (result.failure) {
    release();
    ex.payment = "not_settled";
    co_await http::send_failure(ex, *result.failure, result.detail);
    co_return;
  }
  if (response.result_int() >= 400) {
    release();
    // The upstream did not deliver: nothing is charged and its answer goes out as it is.
    ex.payment = "not_settled";
    upstream::HeaderList none;
    co_await upstream::send_buffered(ex, response, none);
    co_return;
  }
  auto receipt = co_await settle_or_refuse(ex, facilitator, body, version, resource, claim);
  if (!receipt) co_return;
  upstream::HeaderList headers{{receipt_header(version), *receipt}, {"Access-Control-Expose-Headers", kExposed}};
  co_await upstream::send_buffered(ex, response, headers);
}

}  // namespace x402gw::payment
