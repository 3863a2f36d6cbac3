#pragma once
// Every way a request can fail, and the one table that maps each to an HTTP status and a stable
// machine-readable code. Client faults are 4xx, upstream faults 502/504, facilitator faults
// 502/503/504, our own 500.
#include <string>
#include <string_view>

namespace x402gw::http_errors {

/// A failure the gateway answers itself.
enum class Failure {
  // the client
  bad_request,
  invalid_target,
  target_too_long,
  header_too_large,
  body_too_large,
  request_timeout,
  route_not_found,
  rate_limited,               // too many challenges for one client address
  too_many_connections,       // limits.max_connections reached
  // payment (402)
  payment_required,
  payment_invalid,            // header undecodable, no matching requirement, verify said invalid
  settlement_failed,          // the facilitator said the settlement failed
  // the upstream
  upstream_unavailable,       // cannot connect or resolve
  upstream_timeout,
  upstream_reset,             // connection closed or reset before a complete answer
  upstream_bad_response,      // not HTTP
  upstream_response_too_large,// larger than the settle-after buffer
  // the facilitator
  facilitator_unavailable,
  facilitator_timeout,
  facilitator_error,          // 5xx or an unexpected status
  facilitator_bad_response,   // not JSON of the expected shape
  facilitator_rate_limited,   // 429
  // ourselves
  internal,
};

/// The HTTP status for a failure.
unsigned status_of(Failure f);

/// The stable code ("upstream_timeout") that goes into the `error` field.
std::string_view code_of(Failure f);

/// The JSON error body: {"error": code, "message": sentence}.
std::string error_body(std::string_view code, std::string_view message);

}  // namespace x402gw::http_errors
