// EVM payloads of the `exact` (and `upto`) schemes, per the x402 spec's scheme_exact_evm.md: an
// ERC-3009 `authorization`, a Permit2 `permit2Authorization`, or an ERC-7710 delegation.
#include <cctype>

#include "x402/digest.hpp"
#include "x402/money.hpp"
#include "x402/scheme_support.hpp"

namespace x402gw::x402::scheme_support {
namespace {

bool is_hex_of(std::string_view text, size_t bytes) {
  if (text.size() != 2 + 2 * bytes || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return false;
  for (char c : text.substr(2))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool is_address(std::string_view text) { return is_hex_of(text, 20); }

const nlohmann::json* object_member(const nlohmann::json* j, const char* key) {
  const auto* m = j ? member(*j, key) : nullptr;
  return m && m->is_object() ? m : nullptr;
}

// The amount and recipient an authorization shows, checked only where present: the facilitator
// verifies the signature over them, the gateway only refuses a visibly wrong payment early.
std::optional<PaymentRejection> check_transfer(const std::string& to, const std::string& value, const Requirement& r) {
  if (!to.empty() && !iequals(to, r.pay_to))
    return reject("payment_recipient_mismatch", "the payment authorizes a transfer to " + to + ", not to " + r.pay_to);
  if (!value.empty() && (!is_atomic_amount(value) || compare_atomic(value, r.amount) < 0))
    return reject("payment_amount_mismatch", "the payment authorizes " + value + " atomic units; the price is " + r.amount);
  return std::nullopt;
}

class EvmScheme final : public PaymentScheme {
 public:
  std::string_view family() const override { return "evm"; }

  std::variant<std::string, PaymentRejection> identity(const PaymentPayload& payment,
                                                       const Requirement& requirement) const override {
    const auto* payload = payload_of(payment);
    if (!payload) return invalid_payload("the payment has no payload object");
    const auto* eip3009 = member(*payload, "authorization");
    const auto* permit2 = member(*payload, "permit2Authorization");
    const bool erc7710 = member(*payload, "permissionContext") != nullptr;
    if ((eip3009 != nullptr) + (permit2 != nullptr) + erc7710 > 1)
      return invalid_payload("the EVM payload carries more than one kind of authorization");
    const std::string network = identity_network(requirement);

    if (eip3009) {
      // ERC-3009: the token contract refuses a second use of (from, nonce); nonce is bytes32.
      std::string from = string_member(*eip3009, "from"), nonce = string_member(*eip3009, "nonce");
      if (!is_address(from)) return invalid_payload("authorization.from is not a 20-byte hex address");
      if (!is_hex_of(nonce, 32)) return invalid_payload("authorization.nonce is not 32 bytes of hex");
      return "evm:" + network + ":" + lower(from) + ":" + lower(nonce);
    }
    if (permit2) {
      // Permit2 nonces are per owner in the Permit2 contract, across tokens: a namespace of their
      // own, written as a canonical decimal uint256.
      std::string from = string_member(*permit2, "from"), nonce = string_member(*permit2, "nonce");
      if (!is_address(from)) return invalid_payload("permit2Authorization.from is not a 20-byte hex address");
      if (!is_atomic_amount(nonce) || nonce.size() > 78)
        return invalid_payload("permit2Authorization.nonce is not a canonical decimal uint256");
      return "evm:" + network + ":permit2:" + lower(from) + ":" + nonce;
    }
    if (erc7710) {
      // ERC-7710 names no per-payment nonce: the facilitator redeems the delegation for each
      // payment. The delegation itself (manager, delegator, decoded context) is the identity, so
      // one delegation pays once per replay-guard window, even a multi-use one.
      std::string manager = string_member(*payload, "delegationManager");
      std::string delegator = string_member(*payload, "delegator");
      auto context = hex_decode(string_member(*payload, "permissionContext"));
      if (!is_address(manager) || !is_address(delegator))
        return invalid_payload("delegationManager and delegator must be 20-byte hex addresses");
      if (!context || context->empty()) return invalid_payload("permissionContext is not hex bytes");
      return "evm:" + network + ":erc7710:" + lower(delegator) + ":" + to_hex(sha256(lower(manager) + *context));
    }
    return invalid_payload(
        "the EVM payload has no ERC-3009 authorization, Permit2 authorization or ERC-7710 delegation");
  }

  std::optional<PaymentRejection> precheck(const PaymentPayload& payment, const Requirement& r) const override {
    const auto* payload = payload_of(payment);
    if (const auto* auth = object_member(payload, "authorization"))
      return check_transfer(string_member(*auth, "to"), string_member(*auth, "value"), r);
    if (const auto* auth = object_member(payload, "permit2Authorization")) {
      const auto* permitted = object_member(auth, "permitted");
      const auto* witness = object_member(auth, "witness");
      std::string token = permitted ? string_member(*permitted, "token") : "";
      if (!token.empty() && !iequals(token, r.asset))
        return reject("payment_asset_mismatch", "the payment permits token " + token + ", not " + r.asset);
      return check_transfer(witness ? string_member(*witness, "to") : "",
                            permitted ? string_member(*permitted, "amount") : "", r);
    }
    return std::nullopt;
  }

  std::string payer(const PaymentPayload& payment) const override {
    const auto* payload = payload_of(payment);
    if (const auto* auth = object_member(payload, "authorization")) return string_member(*auth, "from");
    if (const auto* auth = object_member(payload, "permit2Authorization")) return string_member(*auth, "from");
    return payload ? string_member(*payload, "delegator") : std::string();
  }
};

}  // namespace

const PaymentScheme& evm_scheme() {
  static const EvmScheme scheme;
  return scheme;
}

}  // namespace x402gw::x402::scheme_support
