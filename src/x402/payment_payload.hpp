#pragma once
// Decoding the client's payment header and matching it against the route's requirements.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "x402/requirements.hpp"

namespace x402gw::x402 {

/// A decoded PaymentPayload. The gateway checks its envelope; the facilitator checks the rest.
struct PaymentPayload {
  int version = 0;              // 1 (X-PAYMENT) or 2 (PAYMENT-SIGNATURE)
  std::string scheme;
  std::string network;          // v1 name for v1, CAIP-2 for v2
  nlohmann::json accepted;      // v2: the requirement the client chose, echoed; null for v1
  nlohmann::json document;      // the whole decoded payload, forwarded to the facilitator unchanged
};

/// A payment that cannot be used, with a stable machine-readable code and a sentence.
struct PaymentRejection {
  std::string code;             // e.g. "invalid_payment_header", "no_matching_requirements"
  std::string message;
};

/// Largest header value accepted; a real payload is well under 4 KiB.
inline constexpr size_t kMaxPaymentHeaderBytes = 16 * 1024;

/// Decodes a header value as base64(JSON PaymentPayload) of the given protocol version.
std::variant<PaymentPayload, PaymentRejection> decode_payment_header(std::string_view value, int expected_version);

/// Finds the requirement the payment is for: v2 by deep equality of `accepted`, v1 by scheme and
/// network. Then has the requirement's PaymentScheme pre-check what the payload shows of amount,
/// recipient and asset (scheme.hpp). Returns the index into `requirements`.
/// `v2_forms`, when given, holds to_v2_json() of each requirement, built once (a per-route cache)
/// instead of on every call.
std::variant<size_t, PaymentRejection> match_requirement(const PaymentPayload& payment,
                                                         const std::vector<Requirement>& requirements,
                                                         const std::vector<nlohmann::json>* v2_forms = nullptr);

/// The payer named by the payload itself, if its network's scheme shows one ("" otherwise).
std::string payload_payer(const PaymentPayload& payment);

}  // namespace x402gw::x402
