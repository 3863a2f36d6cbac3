#pragma once
// Shared by the per-family PaymentScheme files; not part of the public API.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/strings.hpp"
#include "x402/scheme.hpp"

namespace x402gw::x402::scheme_support {

/// The family singletons scheme_for() picks from.
const PaymentScheme& evm_scheme();
const PaymentScheme& solana_scheme();
const PaymentScheme& stellar_scheme();
const PaymentScheme& stacks_scheme();
const PaymentScheme& generic_scheme();

/// A rejection with its stable code.
PaymentRejection reject(std::string code, std::string message);

/// A rejection of a malformed or incomplete payload ("invalid_payload").
PaymentRejection invalid_payload(std::string message);

/// The payment's `payload` object, or nullptr.
const nlohmann::json* payload_of(const PaymentPayload& payment);

/// An object member, or nullptr when `j` is no object or lacks it.
const nlohmann::json* member(const nlohmann::json& j, const char* key);

/// A string member's value; "" when absent or not a string.
std::string string_member(const nlohmann::json& j, const char* key);

using core::iequals;
/// ASCII lower case.
inline std::string lower(std::string_view s) { return core::to_lower(s); }

/// The network an identity names: the requirement's CAIP-2 id (so a v1 and a v2 presentation of
/// one payment share an identity), its v1 name only when it has no CAIP-2 id.
std::string identity_network(const Requirement& requirement);

/// The payload's transaction text under `key` (and, if given, under `alias` too, which must then
/// decode to the same bytes), decoded by `decode`; a rejection when missing or undecodable.
template <typename Decode>
std::variant<std::string, PaymentRejection> transaction_bytes(const PaymentPayload& payment, const char* key,
                                                              const char* alias, const char* encoding, Decode decode) {
  const auto* payload = payload_of(payment);
  if (!payload) return invalid_payload("the payment has no payload object");
  std::optional<std::string> found;
  for (const char* name : {key, alias}) {
    if (!name) continue;
    const auto* text = member(*payload, name);
    if (!text) continue;
    if (!text->is_string()) return invalid_payload(std::string("payload.") + name + " is not a string");
    auto bytes = decode(text->get_ref<const std::string&>());
    if (!bytes || bytes->empty()) return invalid_payload(std::string("payload.") + name + " is not " + encoding);
    if (found && *found != *bytes)
      return invalid_payload(std::string("payload.") + key + " and payload." + name + " carry different transactions");
    found = std::move(bytes);
  }
  if (!found) return invalid_payload(std::string("the payload has no ") + key);
  return std::move(*found);
}

}  // namespace x402gw::x402::scheme_support
