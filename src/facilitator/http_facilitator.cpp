#include "facilitator/http_facilitator.hpp"

#include <boost/beast/http/string_body.hpp>
#include <type_traits>

#include "core/log.hpp"
#include "facilitator/settle_answer.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/whole_exchange.hpp"

namespace x402gw::facilitator {
namespace {

using core::Error;
using Clock = std::chrono::steady_clock;

// Whether an answer to a written /settle is a settlement or a definite refusal (settle_answer.hpp).
template <class Parsed>
bool settle_is_definite(unsigned status, const std::optional<Parsed>& parsed) {
  if constexpr (std::is_same_v<Parsed, x402::SettleResult>) return classify_settle_answer(status, parsed) != SettleMeaning::unknown;
  else return true;
}

// A non-2xx status whose body was not understood.
Error status_error(unsigned status) { return status == 429 ? Error::facilitator_rate_limited : Error::facilitator_status; }

std::string describe(const config::Facilitator& f, Error e, const std::string& path, unsigned status) {
  switch (e) {
    case Error::facilitator_rate_limited: return "the facilitator is rate limiting (429)";
    case Error::facilitator_status: return "the facilitator answered HTTP " + std::to_string(status);
    case Error::facilitator_timeout: return "facilitator '" + f.name + "' did not answer " + path + " within " + std::to_string(f.timeout.count()) + "ms";
    case Error::facilitator_connect_timeout: return "connecting to facilitator '" + f.name + "' timed out";
    case Error::facilitator_tls: return "TLS handshake with facilitator '" + f.name + "' failed";
    case Error::facilitator_resolve:
    case Error::facilitator_connect: return "cannot connect to facilitator '" + f.name + "'";
    case Error::facilitator_write:
    case Error::facilitator_read: return "facilitator '" + f.name + "' closed the connection during " + path;
    case Error::settlement_unknown:
      return "facilitator '" + f.name + "' received the settlement but closed the connection without an answer; the payment may have settled";
    case Error::settlement_timeout:
      return "facilitator '" + f.name + "' did not answer the settlement within " + std::to_string(f.timeout.count()) +
             "ms; the payment may have settled";
    default: return "facilitator '" + f.name + "' sent a malformed HTTP answer to " + path;
  }
}

}  // namespace

awaitable<RawAnswer> HttpFacilitator::call(bhttp::verb method, const std::string& path, const std::string& body,
                                            bool is_settle) {
  const config::Facilitator& f = config_;
  const auto deadline = Clock::now() + f.timeout;
  bhttp::request<bhttp::string_body> req{method, f.url.base_path + path, 11};
  req.set(bhttp::field::host, f.url.host_header());
  req.set(bhttp::field::user_agent, "x402-gateway");
  req.set(bhttp::field::accept, "application/json");
  for (const auto& [name, value] : f.headers) req.set(name, value);
  if (f.auth) {
    // A token bound to this call's method, host and path, minted now.
    const std::string target_path = f.url.base_path + path;
    const std::string host = f.url.host_header();
    auto signed_headers = f.auth->headers({bhttp::to_string(method), host, target_path});
    if (!signed_headers) {
      RawAnswer failed;
      failed.error = Error::facilitator_auth;
      failed.detail = "could not sign a " + std::string(f.auth->type()) + " token for facilitator '" + f.name + "'";
      co_return failed;
    }
    for (auto& [name, value] : *signed_headers) req.set(name, value);
  }
  if (method != bhttp::verb::get) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();

  // The connect may use what is left of the whole call's deadline, and no more.
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  const bool deadline_binds = remaining <= f.connect_timeout;
  const net::Origin origin{&f.url, &f.tls, std::min(remaining, f.connect_timeout), &f.pool_key, f.idle_timeout};
  net::AnswerParser parser;
  auto attempt = [&](net::Connection& conn) { return net::write_then_read(conn, req, parser, kMaxAnswerBytes, deadline); };
  const auto resend = is_settle ? net::Resend::if_unsent : net::Resend::if_unanswered;
  net::PooledResult pooled = co_await net::pooled_exchange(worker_.facilitators, worker_.tls, origin, resend, true, attempt);

  RawAnswer answer;
  if (!pooled.connection) {
    Error e = net::transport_error(net::Side::facilitator, pooled.failure);
    if (e == Error::facilitator_connect_timeout && deadline_binds) e = Error::facilitator_timeout;
    // The settlement went out and no answer came: it may have settled. Never "failed".
    if (is_settle && pooled.request_written) e = e == Error::facilitator_timeout ? Error::settlement_timeout : Error::settlement_unknown;
    answer.error = e;
    answer.detail = describe(f, e, path, 0);
    co_return answer;
  }
  answer.status = parser->status();
  answer.body = std::move(parser->body());
  answer.retry_after = parser->retry_after();
  if (parser->keep_alive()) worker_.facilitators.put(f.pool_key, std::move(pooled.connection), f.max_idle_connections);
  co_return answer;
}

// Calls `endpoint` and reads the answer with `parse`. The body is read whatever the status: some
// facilitators answer an invalid payment or a failed settlement with 4xx and a proper body.
template <class Result, class Parse>
awaitable<Outcome<Result>> HttpFacilitator::exchange(bhttp::verb method, const char* endpoint, const std::string& body,
                                                      Parse parse) {
  const auto started = Clock::now();
  const std::string path = std::string("/") + endpoint;
  const bool is_settle = std::string_view(endpoint) == "settle";
  Outcome<Result> out;
  RawAnswer raw = co_await call(method, path, body, is_settle);
  out.status = raw.status;
  out.retry_after = std::move(raw.retry_after);
  if (raw.error) {
    out.error = raw.error;
    out.detail = std::move(raw.detail);
  } else if (raw.status == 401 || raw.status == 403) {
    // Whatever the body says, the call was refused before it was acted on: never a verdict.
    out.error = Error::facilitator_auth;
    out.detail = "facilitator '" + config_.name + "' refused the gateway's credentials for " + path + " (HTTP " +
                 std::to_string(raw.status) + "); check facilitators." + config_.name + ".auth";
  } else if (auto parsed = parse(raw.body); is_settle && !settle_is_definite(raw.status, parsed)) {
    // Written, and answered with neither a settlement nor a definite refusal: it may have settled.
    out.error = Error::settlement_unknown;
    out.detail = "facilitator '" + config_.name + "' answered the settlement with HTTP " + std::to_string(raw.status) +
                 " and no definite result; the payment may have settled";
    if (parsed) out.result = std::move(*parsed);
  } else if (parsed) {
    out.result = std::move(*parsed);
  } else if (raw.status / 100 != 2) {
    out.error = status_error(raw.status);
    out.detail = describe(config_, *out.error, path, raw.status);
  } else {
    out.error = Error::facilitator_bad_response;
    out.detail = "facilitator '" + config_.name + "' answered " + path + " with a body of the wrong shape";
  }
  out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  out.facilitator = config_.name;
  if (out.error == Error::facilitator_auth) {
    core::log_event("warn", "facilitator authentication failed", {{"facilitator", config_.name}, {"endpoint", endpoint}, {"status", raw.status}});
    if (metrics_) metrics_->facilitator_auth_failure(config_.name, endpoint);
  }
  if (metrics_) {
    const std::string_view outcome = out.error ? core::public_code(*out.error) : std::string_view("ok");
    metrics_->facilitator_call(config_.name, endpoint, outcome, static_cast<double>(out.elapsed.count()) / 1e6);
  }
  co_return out;
}

awaitable<VerifyOutcome> HttpFacilitator::verify(const std::string& body) {
  co_return co_await exchange<x402::VerifyResult>(bhttp::verb::post, "verify", body, x402::parse_verify_response);
}

awaitable<SettleOutcome> HttpFacilitator::settle(const std::string& body) {
  co_return co_await exchange<x402::SettleResult>(bhttp::verb::post, "settle", body, x402::parse_settle_response);
}

awaitable<SupportedOutcome> HttpFacilitator::supported() {
  const std::string none;
  co_return co_await exchange<std::vector<x402::SupportedKind>>(bhttp::verb::get, "supported", none,
                                                                x402::parse_supported_response);
}

}  // namespace x402gw::facilitator
