#include "x402/scheme.hpp"

#include <algorithm>
#include <cctype>

#include "x402/digest.hpp"
#include "x402/networks.hpp"
#include "x402/scheme_support.hpp"

namespace x402gw::x402 {
namespace scheme_support {

PaymentRejection reject(std::string code, std::string message) {
  return PaymentRejection{std::move(code), std::move(message)};
}

PaymentRejection invalid_payload(std::string message) { return reject("invalid_payload", std::move(message)); }

const nlohmann::json* member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

const nlohmann::json* payload_of(const PaymentPayload& payment) {
  const auto* payload = member(payment.document, "payload");
  return payload && payload->is_object() ? payload : nullptr;
}

std::string string_member(const nlohmann::json& j, const char* key) {
  const auto* m = member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}


std::string identity_network(const Requirement& requirement) {
  return requirement.network.empty() ? requirement.v1_network : requirement.network;
}

namespace {

// Networks of no family the gateway can read. Its identity is a hash of the payload as JSON:
// canonical for member order and spacing (nlohmann sorts object keys), but a client can still
// add a member or re-encode a string inside and get a new identity for the same on-chain payment.
// So it stops verbatim replays only; the facilitator and the chain must stop the rest. Support a
// family properly (its own PaymentScheme) before relying on the gateway's replay guard for it.
class GenericScheme final : public PaymentScheme {
 public:
  std::string_view family() const override { return "other"; }

  std::variant<std::string, PaymentRejection> identity(const PaymentPayload& payment,
                                                       const Requirement& requirement) const override {
    const auto* payload = payload_of(payment);
    if (!payload) return invalid_payload("the payment has no payload object");
    return "other:" + identity_network(requirement) + ":" + to_hex(sha256(payload->dump()));
  }

  std::optional<PaymentRejection> precheck(const PaymentPayload&, const Requirement&) const override {
    return std::nullopt;  // nothing the gateway can read
  }

  std::string payer(const PaymentPayload&) const override { return {}; }
};

}  // namespace

const PaymentScheme& generic_scheme() {
  static const GenericScheme scheme;
  return scheme;
}

}  // namespace scheme_support

const PaymentScheme& scheme_for_network(std::string_view network) {
  auto resolved = resolve_network(network);
  switch (resolved ? resolved->family : Family::other) {
    case Family::evm: return scheme_support::evm_scheme();
    case Family::solana: return scheme_support::solana_scheme();
    case Family::stellar: return scheme_support::stellar_scheme();
    case Family::stacks: return scheme_support::stacks_scheme();
    case Family::other: break;
  }
  return scheme_support::generic_scheme();
}

const PaymentScheme& scheme_for(const Requirement& requirement) {
  return scheme_for_network(requirement.network.empty() ? requirement.v1_network : requirement.network);
}

}  // namespace x402gw::x402
