#pragma once
// The facilitator's HTTP API as pure data: request bodies for /verify and /settle, and the parsing
// of its answers. Reason strings are opaque and passed on as they came.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "x402/payment_payload.hpp"
#include "x402/requirements.hpp"

namespace x402gw::x402 {

/// The /verify and /settle request body: {x402Version, paymentPayload, paymentRequirements}.
std::string facilitator_request_body(const PaymentPayload& payment, const Requirement& requirement,
                                     const ResourceInfo& resource);

/// The same body, byte for byte, from texts already written: `payload_text` is the payload's
/// compact JSON (core::json_text of payment.document) and `requirements_text` the requirement's
/// wire form of that version (to_v1_json or to_v2_json, as core::json_text). Nothing is re-parsed
/// or re-serialised: the paid path writes the payload once and caches the requirement's text.
std::string facilitator_request_body(int version, std::string_view payload_text, std::string_view requirements_text);

/// A /verify answer.
struct VerifyResult {
  bool valid = false;
  std::string invalid_reason;
  std::string invalid_message;
  std::string payer;
};

/// A /settle answer (a SettleResponse), kept whole for the receipt.
struct SettleResult {
  bool success = false;
  std::string error_reason;
  std::string error_message;
  std::string payer;
  std::string transaction;
  std::string network;
  nlohmann::json document;      // the SettleResponse as received
};

/// Parses a /verify body; nullopt when it is not JSON of the VerifyResponse shape.
std::optional<VerifyResult> parse_verify_response(std::string_view body);

/// Parses a /settle body; nullopt when it is not JSON of the SettleResponse shape.
std::optional<SettleResult> parse_settle_response(std::string_view body);

/// One entry of a /supported answer's `kinds`.
struct SupportedKind {
  int version = 0;
  std::string scheme;
  std::string network;    // v1 name or CAIP-2; "eip155:*" style wildcards allowed
  nlohmann::json extra = nlohmann::json::object();  // e.g. Solana's {feePayer}
  std::vector<std::string> signers;  // the answer's `signers` whose key matches this network (v2)
};

/// Parses a /supported body; nullopt when it has no `kinds` list.
std::optional<std::vector<SupportedKind>> parse_supported_response(std::string_view body);

/// Whether the kinds offer a requirement, in either protocol generation.
bool supports(const std::vector<SupportedKind>& kinds, const Requirement& requirement);

/// The first kind that offers a requirement, or null.
const SupportedKind* find_kind(const std::vector<SupportedKind>& kinds, const Requirement& requirement);

/// The receipt header value: base64(SettleResponse JSON).
std::string encode_receipt(const SettleResult& settle);

/// The receipt of an upto payment the upstream charged nothing for: no /settle went out, nothing
/// moved. Shaped as @x402/evm's upto facilitator answers a zero settlement: success, no transaction,
/// amount "0".
SettleResult nothing_settled(const std::string& network, const std::string& payer);

/// A failed SettleResponse made by the gateway itself (when the facilitator could not say).
SettleResult failed_settlement(std::string reason, std::string message, const std::string& network,
                               const std::string& payer);

}  // namespace x402gw::x402
