#pragma once
// Helpers shared by the PaymentScheme tests.
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "x402/base64.hpp"
#include "x402/scheme.hpp"

namespace x402gw::x402::testing {

/// A decoded v2 payment for `network` with this `payload`.
inline PaymentPayload payment_with(const std::string& network, nlohmann::json payload, int version = 2) {
  PaymentPayload p;
  p.version = version;
  p.scheme = "exact";
  p.network = network;
  p.document = {{"x402Version", version}, {"payload", std::move(payload)}};
  if (version == 2) p.document["accepted"] = {{"scheme", "exact"}, {"network", network}};
  return p;
}

/// The identity, or "rejected:<code>".
inline std::string identity_of(const PaymentPayload& p, const Requirement& r) {
  auto id = scheme_for(r).identity(p, r);
  if (auto* rejection = std::get_if<PaymentRejection>(&id)) return "rejected:" + rejection->code;
  return std::get<std::string>(id);
}

/// The pre-check's code, or "ok".
inline std::string precheck_of(const PaymentPayload& p, const Requirement& r) {
  auto rejection = scheme_for(r).precheck(p, r);
  return rejection ? rejection->code : "ok";
}

/// Standard base64 without its '=' padding (the decoder accepts both).
inline std::string unpadded(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

/// Base64 of `bytes` decoded from `text` after `edit` changed them.
template <typename Edit>
std::string edited_base64(std::string_view text, Edit edit) {
  auto bytes = base64_decode(text);
  if (!bytes) return {};
  edit(*bytes);
  return base64_encode(*bytes);
}

}  // namespace x402gw::x402::testing
