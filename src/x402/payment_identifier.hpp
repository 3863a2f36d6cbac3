#pragma once
// The x402 `payment-identifier` extension (specs/extensions/payment_identifier.md; the
// @x402/extensions package): the server declares it in the 402's `extensions`, the client echoes
// it in its PaymentPayload with `info.id`, an idempotency key of 16 to 128 characters of
// [A-Za-z0-9_-].
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "x402/payment_payload.hpp"

namespace x402gw::x402 {

/// The extension's key in `extensions`.
inline constexpr const char* kPaymentIdentifier = "payment-identifier";

/// The declaration for a 402's `extensions`: {info: {required}, schema: {...}}, as
/// declarePaymentIdentifierExtension() of @x402/extensions writes it.
nlohmann::json payment_identifier_declaration(bool required);

/// Whether `id` has the extension's format.
bool valid_payment_id(std::string_view id);

/// What a payment payload says of its identifier.
struct PaymentIdOf {
  bool present = false;    // the payload carries the extension with an `info.id`
  bool valid = false;      // ... of the right format
  std::string id;
};

/// Reads `extensions["payment-identifier"].info.id` from a (v2) payload.
PaymentIdOf payment_id_of(const PaymentPayload& payment);

}  // namespace x402gw::x402
