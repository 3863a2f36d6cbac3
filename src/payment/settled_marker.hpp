#pragma once
// What a settled claim keeps (ReplayStore's Ending::receipt) so that a re-presentation of the same
// payment can be served without a second settlement: the settlement itself, for the receipt header,
// and a digest of the whole payment payload. The digest matters: a replay identity names a payment
// by what is public on chain once it settled (an EVM payer and nonce), so a payload forged around a
// settled nonce must not be served; only the very payload that was settled is.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "x402/facilitator_messages.hpp"
#include "x402/payment_payload.hpp"

namespace x402gw::payment {

/// A settled payment, as remembered for its re-presentations.
struct SettledMarker {
  std::string payload_digest;  // payload_digest() of the settled payment and its route
  nlohmann::json settlement;   // the SettleResponse that goes out as the receipt
};

/// Hex SHA-256 of the route's name and the payload's canonical JSON (keys sorted), signature
/// included: a repeat is served only by the route that was paid for.
std::string payload_digest(std::string_view route, const x402::PaymentPayload& payment);

/// The same digest from the payload's canonical JSON already written (core::json_text of
/// payment.document), so that the paid path writes it once for the digest and the facilitator body.
std::string payload_digest(std::string_view route, std::string_view payload_text);

/// The marker as the ReplayStore keeps it (compact JSON).
std::string encode_marker(const SettledMarker& marker);

/// A stored marker; nullopt when the text is not one (an older or foreign entry: not served).
std::optional<SettledMarker> decode_marker(std::string_view text);

/// The receipt of a marker (written by this gateway, so trusted as it is): its transaction may be
/// empty when the reconciler learned the payment landed from a used nonce and no hash was named.
x402::SettleResult settlement_of(const SettledMarker& marker);

/// Unix seconds after which the payment can no longer settle: an EVM authorization's validBefore
/// when the payload carries one, else `now` plus the requirement's maxTimeoutSeconds.
int64_t payment_expiry(const x402::PaymentPayload& payment, int max_timeout_seconds, int64_t now);

}  // namespace x402gw::payment
