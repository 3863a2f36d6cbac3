#include "http/errors.hpp"

#include <nlohmann/json.hpp>

namespace x402gw::http_errors {

unsigned status_of(Failure f) {
  switch (f) {
    case Failure::bad_request: return 400;
    case Failure::invalid_target: return 400;
    case Failure::target_too_long: return 414;
    case Failure::header_too_large: return 431;
    case Failure::body_too_large: return 413;
    case Failure::request_timeout: return 408;
    case Failure::route_not_found: return 404;
    case Failure::rate_limited: return 429;
    case Failure::too_many_connections: return 503;
    case Failure::payment_required: return 402;
    case Failure::payment_invalid: return 402;
    case Failure::settlement_failed: return 402;
    case Failure::upstream_unavailable: return 502;
    case Failure::upstream_timeout: return 504;
    case Failure::upstream_reset: return 502;
    case Failure::upstream_bad_response: return 502;
    case Failure::upstream_response_too_large: return 502;
    case Failure::facilitator_unavailable: return 503;
    case Failure::facilitator_timeout: return 504;
    case Failure::facilitator_error: return 502;
    case Failure::facilitator_bad_response: return 502;
    case Failure::facilitator_rate_limited: return 503;
    case Failure::internal: return 500;
  }
  return 500;
}

std::string_view code_of(Failure f) {
  switch (f) {
    case Failure::bad_request: return "bad_request";
    case Failure::invalid_target: return "invalid_target";
    case Failure::target_too_long: return "target_too_long";
    case Failure::header_too_large: return "header_too_large";
    case Failure::body_too_large: return "body_too_large";
    case Failure::request_timeout: return "request_timeout";
    case Failure::route_not_found: return "route_not_found";
    case Failure::rate_limited: return "rate_limited";
    case Failure::too_many_connections: return "too_many_connections";
    case Failure::payment_required: return "payment_required";
    case Failure::payment_invalid: return "payment_invalid";
    case Failure::settlement_failed: return "settlement_failed";
    case Failure::upstream_unavailable: return "upstream_unavailable";
    case Failure::upstream_timeout: return "upstream_timeout";
    case Failure::upstream_reset: return "upstream_reset";
    case Failure::upstream_bad_response: return "upstream_bad_response";
    case Failure::upstream_response_too_large: return "upstream_response_too_large";
    case Failure::facilitator_unavailable: return "facilitator_unavailable";
    case Failure::facilitator_timeout: return "facilitator_timeout";
    case Failure::facilitator_error: return "facilitator_error";
    case Failure::facilitator_bad_response: return "facilitator_bad_response";
    case Failure::facilitator_rate_limited: return "facilitator_rate_limited";
    case Failure::internal: return "internal_error";
  }
  return "internal_error";
}

std::string error_body(std::string_view code, std::string_view message) {
  return nlohmann::json{{"error", code}, {"message", message}}.dump();
}

}  // namespace x402gw::http_errors
