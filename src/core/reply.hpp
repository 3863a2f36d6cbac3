#pragma once
// A reply the gateway writes itself, as a value. Decision code (routing, the paid flow, the admin
// endpoints) returns one; http/replies.cpp turns every kind into bytes in one place, so statuses,
// error bodies and headers are decided once.
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace x402gw::core {

/// Extra response headers, in order.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// Access-Control-Expose-Headers for every answer that carries x402 headers: browsers reading
/// them from another origin need them exposed.
inline constexpr const char* kExposedPaymentHeaders = "PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE";

/// An error: status and public code come from the error, the sentence from the caller.
struct ErrorReply {
  Error error = Error::internal;
  std::string message;
  Headers headers;              // e.g. Retry-After, or the receipt of a payment already settled
};

/// A 402 payment challenge: the v1 JSON body and the v2 PAYMENT-REQUIRED header.
struct ChallengeReply {
  std::string body;             // v1 PaymentRequired JSON
  std::string header_value;     // v2 base64 PaymentRequired
  std::string error;            // the reason code ("payment_required", a verify failure's reason)
  Headers headers;              // e.g. a failed settlement's receipt
  std::string page = {};       // the paywall's HTML, sent in place of `body` to a browser; empty: none
};

/// Any other answer with a body (discovery, health, metrics, admin results).
struct DocumentReply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  Headers headers;
};

/// One reply of the gateway's own.
using Reply = std::variant<ErrorReply, ChallengeReply, DocumentReply>;

}  // namespace x402gw::core
