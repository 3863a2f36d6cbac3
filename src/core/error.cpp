#include "core/error.hpp"

#include <string>

namespace x402gw::core {
namespace {

struct Entry {
  std::string_view name;
  std::string_view public_code;
  std::string_view sentence;
};

Entry entry(Error e) noexcept {
  switch (e) {
    case Error::bad_request: return {"bad_request", "bad_request", "the request is not valid"};
    case Error::invalid_host: return {"invalid_host", "invalid_host", "the Host is not a valid host name or IP address"};
    case Error::invalid_target: return {"invalid_target", "invalid_target", "the request target is refused"};
    case Error::target_too_long: return {"target_too_long", "target_too_long", "the request target is too long"};
    case Error::header_too_large: return {"header_too_large", "header_too_large", "the request header is too large"};
    case Error::body_too_large: return {"body_too_large", "body_too_large", "the request body is too large"};
    case Error::request_timeout: return {"request_timeout", "request_timeout", "the request did not arrive in time"};
    case Error::route_not_found: return {"route_not_found", "route_not_found", "no route matches"};
    case Error::rate_limited: return {"rate_limited", "rate_limited", "too many payment challenges"};
    case Error::payment_identifier_missing: return {"payment_identifier_missing", "payment_identifier_required", "a valid payment identifier is required"};
    case Error::payment_identifier_conflict: return {"payment_identifier_conflict", "payment_identifier_conflict", "the payment identifier was used with a different payment"};
    case Error::chunk_framing_too_large: return {"chunk_framing_too_large", "chunk_framing_too_large", "a chunk-size line or the trailer section is too long"};
    case Error::invalid_method: return {"invalid_method", "invalid_method", "the method is not an upper-case token"};
    case Error::duplicate_payment_header: return {"duplicate_payment_header", "duplicate_payment_header", "a payment header was sent more than once"};
    case Error::too_many_connections: return {"too_many_connections", "too_many_connections", "too many connections"};
    case Error::client_gone: return {"client_gone", "client_gone", "the client closed the connection"};
    case Error::upstream_resolve: return {"upstream_resolve", "upstream_unavailable", "cannot resolve the upstream"};
    case Error::upstream_connect: return {"upstream_connect", "upstream_unavailable", "cannot connect to the upstream"};
    case Error::upstream_connect_timeout: return {"upstream_connect_timeout", "upstream_timeout", "connecting to the upstream timed out"};
    case Error::upstream_tls: return {"upstream_tls", "upstream_unavailable", "the TLS handshake with the upstream failed"};
    case Error::upstream_write: return {"upstream_write", "upstream_reset", "writing to the upstream failed"};
    case Error::upstream_read: return {"upstream_read", "upstream_reset", "the upstream closed the connection"};
    case Error::upstream_timeout: return {"upstream_timeout", "upstream_timeout", "the upstream did not answer in time"};
    case Error::upstream_bad_response: return {"upstream_bad_response", "upstream_bad_response", "the upstream's answer is not valid HTTP"};
    case Error::upstream_response_too_large: return {"upstream_response_too_large", "upstream_response_too_large", "the upstream's answer is too large"};
    case Error::upstream_bad_settlement_override:
      return {"upstream_bad_settlement_override", "invalid_settlement_override", "the upstream's Settlement-Overrides cannot be read; nothing was charged"};
    case Error::facilitator_resolve: return {"facilitator_resolve", "facilitator_unavailable", "cannot resolve the facilitator"};
    case Error::facilitator_connect: return {"facilitator_connect", "facilitator_unavailable", "cannot connect to the facilitator"};
    case Error::facilitator_connect_timeout: return {"facilitator_connect_timeout", "facilitator_unavailable", "connecting to the facilitator timed out"};
    case Error::facilitator_tls: return {"facilitator_tls", "facilitator_unavailable", "the TLS handshake with the facilitator failed"};
    case Error::facilitator_write: return {"facilitator_write", "facilitator_unavailable", "writing to the facilitator failed"};
    case Error::facilitator_read: return {"facilitator_read", "facilitator_unavailable", "the facilitator closed the connection"};
    case Error::facilitator_timeout: return {"facilitator_timeout", "facilitator_timeout", "the facilitator did not answer in time"};
    case Error::facilitator_status: return {"facilitator_status", "facilitator_error", "the facilitator answered with an error status"};
    case Error::facilitator_rate_limited: return {"facilitator_rate_limited", "facilitator_rate_limited", "the facilitator is rate limiting"};
    case Error::facilitator_bad_response: return {"facilitator_bad_response", "facilitator_bad_response", "the facilitator's answer has the wrong shape"};
    case Error::facilitator_auth: return {"facilitator_auth", "facilitator_auth", "the facilitator refused the gateway's credentials"};
    case Error::facilitator_circuit_open: return {"facilitator_circuit_open", "facilitator_unavailable", "every facilitator of this route is unavailable for now"};
    case Error::settlement_unknown: return {"settlement_unknown", "settlement_unknown", "the settlement was sent and its outcome is unknown"};
    case Error::settlement_timeout: return {"settlement_timeout", "facilitator_timeout", "the settlement was sent and not answered in time"};
    case Error::chain_unavailable: return {"chain_unavailable", "chain_unavailable", "the chain's JSON-RPC endpoint could not be read"};
    case Error::chain_timeout: return {"chain_timeout", "chain_timeout", "the chain's JSON-RPC endpoint did not answer in time"};
    case Error::unpriceable_request: return {"unpriceable_request", "unpriceable_request", "the request cannot be priced"};
    case Error::price_not_in_table: return {"price_not_in_table", "price_not_in_table", "the request's value has no price on this route"};
    case Error::pricer_refused: return {"pricer_refused", "pricer_refused", "the pricer refused to price this request"};
    case Error::pricer_unavailable: return {"pricer_unavailable", "pricer_unavailable", "the pricer could not be reached"};
    case Error::pricer_timeout: return {"pricer_timeout", "pricer_timeout", "the pricer did not answer in time"};
    case Error::pricer_bad_response: return {"pricer_bad_response", "pricer_bad_response", "the pricer's answer has the wrong shape"};
    case Error::pricer_circuit_open: return {"pricer_circuit_open", "pricer_unavailable", "the pricer is unavailable for now"};
    case Error::state_unavailable: return {"state_unavailable", "state_unavailable", "the payment state store is unavailable"};
    case Error::state_full: return {"state_full", "state_full", "the payment state store is full"};
    case Error::admin_not_found: return {"admin_not_found", "not_found", "no such admin endpoint"};
    case Error::admin_method_not_allowed: return {"admin_method_not_allowed", "method_not_allowed", "method not allowed"};
    case Error::admin_unauthorized: return {"admin_unauthorized", "unauthorized", "the admin token is missing or wrong"};
    case Error::admin_cross_site: return {"admin_cross_site", "cross_site_refused", "the admin endpoints refuse cross-site requests"};
    case Error::admin_token_required: return {"admin_token_required", "admin_token_required", "control endpoints need admin.token here"};
    case Error::invalid_config: return {"invalid_config", "invalid_config", "the configuration is not valid"};
    case Error::forward_auth_untrusted: return {"forward_auth_untrusted", "forward_auth_untrusted", "the caller is not a trusted proxy"};
    case Error::forward_auth_incomplete: return {"forward_auth_incomplete", "forward_auth_incomplete", "the proxy did not name the request to authorize"};
    case Error::forward_auth_not_found: return {"forward_auth_not_found", "not_found", "no such forward-auth endpoint"};
    case Error::internal: return {"internal", "internal_error", "internal error"};
  }
  return {"internal", "internal_error", "internal error"};
}

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "x402gw"; }
  std::string message(int value) const override { return std::string(entry(static_cast<Error>(value)).sentence); }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(Error e) noexcept { return {static_cast<int>(e), error_category()}; }

std::string_view public_code(Error e) noexcept { return entry(e).public_code; }

std::string_view name(Error e) noexcept { return entry(e).name; }

bool is_upstream(Error e) noexcept { return e >= Error::upstream_resolve && e <= Error::upstream_bad_settlement_override; }

bool is_facilitator(Error e) noexcept { return e >= Error::facilitator_resolve && e <= Error::settlement_timeout; }

}  // namespace x402gw::core
