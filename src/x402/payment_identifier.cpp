#include "x402/payment_identifier.hpp"

namespace x402gw::x402 {

nlohmann::json payment_identifier_declaration(bool required) {
  return {{"info", {{"required", required}}},
          {"schema",
           {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
            {"type", "object"},
            {"properties",
             {{"required", {{"type", "boolean"}}},
              {"id", {{"type", "string"}, {"minLength", 16}, {"maxLength", 128}, {"pattern", "^[a-zA-Z0-9_-]+$"}}}}},
            {"required", {"required"}}}}};
}

bool valid_payment_id(std::string_view id) {
  if (id.size() < 16 || id.size() > 128) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-')) return false;
  return true;
}

PaymentIdOf payment_id_of(const PaymentPayload& payment) {
  PaymentIdOf out;
  const nlohmann::json& doc = payment.document;
  if (!doc.is_object() || !doc.contains("extensions") || !doc["extensions"].is_object()) return out;
  const nlohmann::json& ext = doc["extensions"];
  if (!ext.contains(kPaymentIdentifier) || !ext[kPaymentIdentifier].is_object()) return out;
  const nlohmann::json& pi = ext[kPaymentIdentifier];
  if (!pi.contains("info") || !pi["info"].is_object() || !pi["info"].contains("id")) return out;
  out.present = true;
  if (!pi["info"]["id"].is_string()) return out;
  out.id = pi["info"]["id"].get<std::string>();
  out.valid = valid_payment_id(out.id);
  return out;
}

}  // namespace x402gw::x402
