#include "x402/payment_payload.hpp"

#include "core/json_read.hpp"
#include "x402/base64.hpp"
#include "x402/scheme.hpp"

namespace x402gw::x402 {
namespace {

PaymentRejection reject(std::string code, std::string message) {
  return PaymentRejection{std::move(code), std::move(message)};
}

const nlohmann::json* find_member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string string_member(const nlohmann::json& j, const char* key) {
  const auto* m = find_member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

}  // namespace

std::variant<PaymentPayload, PaymentRejection> decode_payment_header(std::string_view value, int expected_version) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return reject("invalid_payment_header", "the payment header is empty");
  if (value.size() > kMaxPaymentHeaderBytes)
    return reject("invalid_payment_header", "the payment header is larger than 16 KiB");

  auto bytes = base64_decode(value);
  if (!bytes) return reject("invalid_payment_header", "the payment header is not valid base64");

  // Read by core::read_json: the value nlohmann would build (the digest and the facilitator body
  // are written from it), at a fraction of nlohmann's parsing cost on every paid request.
  auto read = core::read_json(*bytes);
  if (!read) return reject("invalid_payment_header", "the payment header is not valid JSON");
  nlohmann::json doc = std::move(*read);
  if (!doc.is_object()) return reject("invalid_payment_header", "the payment header is not a JSON object");

  const auto* version = find_member(doc, "x402Version");
  if (!version || !version->is_number_integer())
    return reject("invalid_payment_header", "the payment has no integer x402Version");
  if (version->get<int64_t>() != expected_version)
    return reject("invalid_x402_version", "x402Version " + version->dump() + " sent in the header of version " +
                                              std::to_string(expected_version));

  const auto* payload = find_member(doc, "payload");
  if (!payload || !payload->is_object()) return reject("invalid_payment_header", "the payment has no payload object");

  PaymentPayload p;
  p.version = expected_version;
  if (expected_version == 1) {
    p.scheme = string_member(doc, "scheme");
    p.network = string_member(doc, "network");
    if (p.scheme.empty() || p.network.empty())
      return reject("invalid_payment_header", "the v1 payment lacks scheme or network");
  } else {
    const auto* accepted = find_member(doc, "accepted");
    if (!accepted || !accepted->is_object())
      return reject("invalid_payment_header", "the v2 payment has no accepted requirements object");
    p.accepted = *accepted;
    p.scheme = string_member(*accepted, "scheme");
    p.network = string_member(*accepted, "network");
    if (p.scheme.empty() || p.network.empty())
      return reject("invalid_payment_header", "the v2 payment's accepted lacks scheme or network");
  }
  p.document = std::move(doc);
  return p;
}

std::variant<size_t, PaymentRejection> match_requirement(const PaymentPayload& payment,
                                                         const std::vector<Requirement>& requirements,
                                                         const std::vector<nlohmann::json>* v2_forms) {
  std::optional<size_t> found;
  for (size_t i = 0; i < requirements.size() && !found; ++i) {
    const auto& r = requirements[i];
    if (payment.version == 2) {
      if (v2_forms ? payment.accepted == (*v2_forms)[i] : payment.accepted == to_v2_json(r)) found = i;
    } else if (r.scheme == "upto") {
      continue;  // a v2 scheme (offered_to_v1)
    } else if (r.scheme == payment.scheme && r.v1_network == payment.network && !r.v1_network.empty()) {
      found = i;
    } else if (r.scheme == payment.scheme && r.v1_network.empty() && r.network == payment.network) {
      // Networks born after v1 (Stellar, Stacks) have no v1 name; their v1-shaped payments
      // (PerkOS-style relayers' X-PAYMENT, x402-stacks) name the CAIP-2 id instead.
      found = i;
    }
  }
  if (!found)
    return reject("no_matching_requirements",
                  "No matching payment requirements: the payment is for scheme '" + payment.scheme + "' on '" +
                      payment.network + "', which this route does not accept in that form");

  // What the payload shows of amount, recipient and asset is the network family's to read.
  if (auto rejection = scheme_for(requirements[*found]).precheck(payment, requirements[*found])) return *rejection;
  return *found;
}

std::string payload_payer(const PaymentPayload& payment) { return scheme_for_network(payment.network).payer(payment); }

}  // namespace x402gw::x402
