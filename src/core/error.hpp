#pragma once
// The project's one error vocabulary, registered with std::error_code. Each failure the gateway
// can meet has one code, split by side (client, upstream, facilitator, state) and, for the network,
// by phase (resolve, connect, TLS, write, read), so that logs and metrics say where it happened.
// How each code is answered (status, public code) is decided in one place: http/replies.cpp.
#include <string_view>
#include <system_error>

namespace x402gw::core {

/// Every way a request can fail.
enum class Error {
  // the client
  bad_request = 1,
  invalid_host,               // Host or absolute-form authority is not a name or an IP literal
  invalid_target,
  target_too_long,
  header_too_large,
  body_too_large,
  request_timeout,
  route_not_found,
  rate_limited,               // too many unpaid challenges for one client address
  too_many_connections,       // limits.max_connections reached
  client_gone,                // the client closed its connection before the answer
  payment_identifier_missing, // the route requires the payment-identifier extension; no valid id was sent
  payment_identifier_conflict,// the payment identifier was used before with a different payment
  chunk_framing_too_large,    // a chunk-size line (extensions included) or trailer section over its bound
  invalid_method,             // a method token with lower-case letters (methods are case-sensitive)
  duplicate_payment_header,   // PAYMENT-SIGNATURE or X-PAYMENT sent more than once
  unpriceable_request,        // a route priced from the request: its value is missing, given twice, or not a string/number
  price_not_in_table,         // a route priced from the request: the value has no price and the rule no default
  // the upstream, by phase
  upstream_resolve,
  upstream_connect,
  upstream_connect_timeout,
  upstream_tls,
  upstream_write,
  upstream_read,              // closed or reset before a complete answer
  upstream_timeout,           // no progress within upstreams.<name>.timeout
  upstream_bad_response,      // not HTTP
  upstream_response_too_large,// larger than the settle-after buffer
  upstream_bad_settlement_override, // a metered (upto) answer's Settlement-Overrides cannot be read: nothing is charged
  // the facilitator, by phase
  facilitator_resolve,
  facilitator_connect,
  facilitator_connect_timeout,
  facilitator_tls,
  facilitator_write,          // the request was not fully sent: it cannot have been acted on
  facilitator_read,           // closed or reset after the request was sent
  facilitator_timeout,
  facilitator_status,         // 5xx or another status without an answer of the expected shape
  facilitator_rate_limited,   // 429
  facilitator_bad_response,   // not JSON of the expected shape
  facilitator_auth,           // 401/403: the facilitator refused our credentials, or a token could not be signed
  facilitator_circuit_open,   // every facilitator of the route is skipped: breaker open or Retry-After
  settlement_unknown,         // /settle was sent and the connection closed without an answer: it may have settled
  settlement_timeout,         // /settle was sent and no answer came in time: it may have settled
  // the chain's JSON-RPC endpoint (pay-then-prove)
  chain_unavailable,          // could not connect, closed, an HTTP error, a JSON-RPC error or an answer of the wrong shape
  chain_timeout,              // no answer within chains.<network>.timeout
  // an external pricer (routes with `pricer:`); fail closed: never a free answer
  pricer_refused,             // the pricer answered {"refuse": true}
  pricer_unavailable,         // could not connect, closed, or an HTTP status other than 200
  pricer_timeout,             // no answer within the pricer's timeout
  pricer_bad_response,        // an answer of the wrong shape
  pricer_circuit_open,        // the pricer's breaker is open
  // shared state
  state_unavailable,
  state_full,                 // the in-process store holds state.max_payments entries: new payments wait (503, Retry-After)
  // the admin listener
  admin_not_found,
  admin_method_not_allowed,
  admin_unauthorized,         // a control endpoint (or protected /metrics) without the right bearer token
  admin_cross_site,           // a browser request from another site, or one a page could forge without a token
  admin_token_required,       // no admin.token and the admin listener is not loopback-only: control is off
  invalid_config,
  // forward-auth listeners
  forward_auth_untrusted,     // a caller that is neither in trusted_proxies nor sends the shared secret
  forward_auth_incomplete,    // the proxy did not name the request to authorize (method, URI)
  forward_auth_not_found,     // a path that no forward-auth endpoint serves
  // ourselves
  internal,
};

/// The category of core::Error ("x402gw").
const std::error_category& error_category() noexcept;

/// Makes std::error_code{e}.
std::error_code make_error_code(Error e) noexcept;

/// The stable public code of an error, as written in every JSON error body and metric label
/// ("upstream_unavailable"). Several phases share one public code so that clients see a small,
/// stable vocabulary; logs keep the precise one (`name`).
std::string_view public_code(Error e) noexcept;

/// The precise name of an error ("upstream_connect_timeout"), for logs.
std::string_view name(Error e) noexcept;

/// Whether the error is the upstream's or the facilitator's (not the client's or ours).
bool is_upstream(Error e) noexcept;
bool is_facilitator(Error e) noexcept;

}  // namespace x402gw::core

template <>
struct std::is_error_code_enum<x402gw::core::Error> : std::true_type {};
