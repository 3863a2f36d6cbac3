#include "x402/facilitator_messages.hpp"

#include "core/json_read.hpp"
#include "core/json_text.hpp"
#include "x402/base64.hpp"

namespace x402gw::x402 {
namespace {

std::string optional_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string facilitator_request_body(const PaymentPayload& payment, const Requirement& requirement,
                                     const ResourceInfo& resource) {
  const std::string payload = core::json_text(payment.document);
  const std::string requirements =
      core::json_text(payment.version == 1 ? to_v1_json(requirement, resource) : to_v2_json(requirement));
  return facilitator_request_body(payment.version, payload, requirements);
}

std::string facilitator_request_body(int version, std::string_view payload_text, std::string_view requirements_text) {
  // The members in the order nlohmann::json writes an object (sorted keys), as the body was first
  // written: facilitators have seen these bytes since.
  constexpr std::string_view kPayload = R"({"paymentPayload":)", kRequirements = R"(,"paymentRequirements":)",
                             kVersion = R"(,"x402Version":)";
  const std::string v = std::to_string(version);
  std::string body;
  body.reserve(kPayload.size() + payload_text.size() + kRequirements.size() + requirements_text.size() + kVersion.size() + v.size() + 1);
  body += kPayload;
  body += payload_text;
  body += kRequirements;
  body += requirements_text;
  body += kVersion;
  body += v;
  body += '}';
  return body;
}

std::optional<VerifyResult> parse_verify_response(std::string_view body) {
  auto read = core::read_json(body);  // on every paid request: the faster reader (core/json_read)
  if (!read || !read->is_object()) return std::nullopt;
  auto& j = *read;
  auto valid = j.find("isValid");
  if (valid == j.end() || !valid->is_boolean()) return std::nullopt;
  VerifyResult r;
  r.valid = valid->get<bool>();
  r.invalid_reason = optional_string(j, "invalidReason");
  r.invalid_message = optional_string(j, "invalidMessage");
  r.payer = optional_string(j, "payer");
  if (!r.valid && r.invalid_reason.empty()) r.invalid_reason = "invalid_payment";
  return r;
}

std::optional<SettleResult> parse_settle_response(std::string_view body) {
  auto read = core::read_json(body);  // on every paid request: the faster reader (core/json_read)
  if (!read || !read->is_object()) return std::nullopt;
  auto& j = *read;
  auto success = j.find("success");
  if (success == j.end() || !success->is_boolean()) return std::nullopt;
  SettleResult r;
  r.success = success->get<bool>();
  r.error_reason = optional_string(j, "errorReason");
  r.error_message = optional_string(j, "errorMessage");
  r.payer = optional_string(j, "payer");
  r.transaction = optional_string(j, "transaction");
  r.network = optional_string(j, "network");
  // A success without a transaction is no proof of payment.
  if (r.success && r.transaction.empty()) return std::nullopt;
  if (!r.success && r.error_reason.empty()) r.error_reason = "settlement_failed";
  r.document = std::move(j);
  return r;
}

namespace {
bool network_matches(const std::string& pattern, const std::string& network) {
  if (network.empty()) return false;
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, ":*") == 0)
    return network.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return pattern == network;
}

// The signers listed under a key that covers `network` ("solana:*" covers every Solana network).
std::vector<std::string> signers_for(const nlohmann::json& signers, const std::string& network) {
  std::vector<std::string> out;
  if (!signers.is_object()) return out;
  for (const auto& [key, list] : signers.items()) {
    if (!list.is_array() || !(network_matches(key, network) || network_matches(network, key))) continue;
    for (const auto& s : list)
      if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}
}  // namespace

std::optional<std::vector<SupportedKind>> parse_supported_response(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto kinds = j.find("kinds");
  if (kinds == j.end() || !kinds->is_array()) return std::nullopt;
  std::vector<SupportedKind> out;
  for (const auto& k : *kinds) {
    if (!k.is_object()) continue;
    SupportedKind kind;
    auto v = k.find("x402Version");
    kind.version = v != k.end() && v->is_number_integer() ? v->get<int>() : 0;
    kind.scheme = optional_string(k, "scheme");
    kind.network = optional_string(k, "network");
    if (auto e = k.find("extra"); e != k.end() && e->is_object()) kind.extra = *e;
    if (auto s = j.find("signers"); s != j.end()) kind.signers = signers_for(*s, kind.network);
    if (!kind.scheme.empty() && !kind.network.empty()) out.push_back(std::move(kind));
  }
  return out;
}

const SupportedKind* find_kind(const std::vector<SupportedKind>& kinds, const Requirement& r) {
  for (const auto& k : kinds) {
    if (k.scheme != r.scheme) continue;
    if (k.version == 1 && network_matches(k.network, r.v1_network)) return &k;
    if (k.version != 1 && network_matches(k.network, r.network)) return &k;
  }
  return nullptr;
}

bool supports(const std::vector<SupportedKind>& kinds, const Requirement& r) { return find_kind(kinds, r) != nullptr; }

std::string encode_receipt(const SettleResult& settle) { return base64_encode(core::json_text(settle.document)); }

SettleResult failed_settlement(std::string reason, std::string message, const std::string& network,
                               const std::string& payer) {
  SettleResult r;
  r.success = false;
  r.error_reason = std::move(reason);
  r.error_message = std::move(message);
  r.network = network;
  r.payer = payer;
  r.document = {{"success", false}, {"errorReason", r.error_reason}, {"transaction", ""}, {"network", network}};
  if (!r.error_message.empty()) r.document["errorMessage"] = r.error_message;
  if (!payer.empty()) r.document["payer"] = payer;
  return r;
}

SettleResult nothing_settled(const std::string& network, const std::string& payer) {
  SettleResult r;
  r.success = true;
  r.network = network;
  r.payer = payer;
  r.document = {{"success", true}, {"transaction", ""}, {"network", network}, {"amount", "0"}};
  if (!payer.empty()) r.document["payer"] = payer;
  return r;
}

}  // namespace x402gw::x402
