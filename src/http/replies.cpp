#include "http/replies.hpp"

#include "core/json_text.hpp"

namespace x402gw::http {
namespace {

using core::Error;

// Response headers every local reply carries.
void common_headers(bhttp::response<bhttp::string_body>& res, std::string_view content_type) {
  res.set(bhttp::field::server, "x402-gateway");
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::cache_control, "no-store");
}


template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

unsigned status_of(Error e) {
  switch (e) {
    case Error::bad_request:
    case Error::invalid_host:
    case Error::invalid_target: return 400;
    case Error::target_too_long: return 414;
    case Error::header_too_large: return 431;
    case Error::body_too_large: return 413;
    case Error::request_timeout: return 408;
    case Error::route_not_found: return 404;
    case Error::rate_limited: return 429;
    case Error::payment_identifier_missing: return 400;
    case Error::payment_identifier_conflict: return 409;
    case Error::too_many_connections: return 503;
    case Error::client_gone: return 499;  // nginx's "client closed request": for the log, nobody reads it
    case Error::upstream_connect_timeout:
    case Error::upstream_timeout: return 504;
    case Error::upstream_resolve:
    case Error::upstream_connect:
    case Error::upstream_tls:
    case Error::upstream_write:
    case Error::upstream_read:
    case Error::upstream_bad_response:
    case Error::upstream_response_too_large: return 502;
    case Error::facilitator_timeout:
    case Error::settlement_timeout: return 504;
    case Error::facilitator_resolve:
    case Error::facilitator_connect:
    case Error::facilitator_connect_timeout:
    case Error::facilitator_tls:
    case Error::facilitator_write:
    case Error::facilitator_read:
    case Error::facilitator_rate_limited:
    case Error::facilitator_circuit_open: return 503;
    case Error::facilitator_status:
    case Error::facilitator_bad_response:
    case Error::facilitator_auth:
    case Error::settlement_unknown: return 502;
    case Error::chain_unavailable: return 502;
    case Error::chain_timeout: return 504;
    case Error::state_unavailable: return 503;
    case Error::admin_not_found: return 404;
    case Error::admin_method_not_allowed: return 405;
    case Error::invalid_config: return 422;
    case Error::internal: return 500;
  }
  return 500;
}

std::string error_body(Error e, std::string_view message) {
  return core::json_text({{"error", core::public_code(e)}, {"message", message}});
}

bhttp::response<bhttp::string_body> render(const core::Reply& reply, unsigned version, bool keep_alive, bool head) {
  bhttp::response<bhttp::string_body> res;
  res.version(version);
  std::visit(Overloaded{
                 [&](const core::ErrorReply& r) {
                   res.result(status_of(r.error));
                   common_headers(res, "application/json");
                   res.body() = error_body(r.error, r.message);
                   for (const auto& [name, value] : r.headers) res.set(name, value);
                 },
                 [&](const core::ChallengeReply& r) {
                   res.result(402);
                   common_headers(res, "application/json");
                   res.set("PAYMENT-REQUIRED", r.header_value);
                   res.set(bhttp::field::access_control_expose_headers, core::kExposedPaymentHeaders);
                   res.body() = r.body;
                   for (const auto& [name, value] : r.headers) res.set(name, value);
                 },
                 [&](const core::DocumentReply& r) {
                   res.result(r.status);
                   common_headers(res, r.content_type);
                   res.body() = r.body;
                   for (const auto& [name, value] : r.headers) res.set(name, value);
                 },
             },
             reply);
  res.keep_alive(keep_alive);
  if (head) {
    res.content_length(res.body().size());
    res.body().clear();
  } else {
    res.prepare_payload();
  }
  return res;
}

std::string recorded_error(const core::Reply& reply) {
  if (auto* e = std::get_if<core::ErrorReply>(&reply)) return std::string(core::public_code(e->error));
  if (auto* c = std::get_if<core::ChallengeReply>(&reply); c && c->error != "payment_required") return c->error;
  return {};
}

awaitable<void> send_reply(net::ClientIo& io, const core::Reply& reply, bool head) {
  if (io.body_pending()) io.must_close();
  auto res = render(reply, io.version, io.keep_alive(), head);
  co_await io.write(res);
}

}  // namespace x402gw::http
