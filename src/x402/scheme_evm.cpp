// EVM payloads of the `exact` and `upto` schemes, per the x402 spec's scheme_exact_evm.md: an
// ERC-3009 `authorization`, a Permit2 `permit2Authorization`, or an ERC-7710 delegation; `upto`
// (specs/schemes/upto/scheme_upto_evm.md) takes a Permit2 witness transfer only.
#include <cctype>
#include <utility>

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
    if (r.scheme == "upto") return precheck_upto(payload, r);
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

  // An `upto` payment is a Permit2 `permitWitnessTransferFrom` for the maximum, spent by the x402
  // upto proxy, whose witness binds the payee and the facilitator that may settle it. Everything
  // that needs no chain is checked here, as @x402/evm's upto facilitator checks it; the signature,
  // the deadline against the clock and the balance are the facilitator's.
  static std::optional<PaymentRejection> precheck_upto(const nlohmann::json* payload, const Requirement& r) {
    if (!payload) return invalid_payload("the payment has no payload object");
    if (member(*payload, "authorization") || member(*payload, "permissionContext"))
      return invalid_payload("an upto payment is a Permit2 authorization (permit2Authorization), not an ERC-3009 or ERC-7710 one");
    const auto* auth = object_member(payload, "permit2Authorization");
    if (!auth) return invalid_payload("an upto payment needs payload.permit2Authorization");
    const auto* signature = member(*payload, "signature");
    if (!signature || !signature->is_string() || !hex_decode(signature->get<std::string>()))
      return invalid_payload("payload.signature is not hex");
    const auto* permitted = object_member(auth, "permitted");
    const auto* witness = object_member(auth, "witness");
    if (!permitted || !witness) return invalid_payload("permit2Authorization needs permitted {token, amount} and witness {to, facilitator, validAfter}");
    const std::string token = string_member(*permitted, "token"), amount = string_member(*permitted, "amount");
    const std::string spender = string_member(*auth, "spender"), to = string_member(*witness, "to");
    const std::string facilitator = string_member(*witness, "facilitator");
    for (const auto& [name, value] : {std::pair{"permitted.token", &token}, {"spender", &spender}, {"witness.to", &to},
                                      {"witness.facilitator", &facilitator}, {"from", nullptr}}) {
      const std::string text = value ? *value : string_member(*auth, name);
      if (!is_address(text)) return invalid_payload(std::string("permit2Authorization.") + name + " is not a 20-byte hex address");
    }
    for (const auto* number : {"nonce", "deadline"})
      if (!is_atomic_amount(string_member(*auth, number)))
        return invalid_payload(std::string("permit2Authorization.") + number + " is not a decimal number");
    if (!is_atomic_amount(string_member(*witness, "validAfter")))
      return invalid_payload("permit2Authorization.witness.validAfter is not a decimal number");
    if (!is_atomic_amount(amount)) return invalid_payload("permit2Authorization.permitted.amount is not a decimal number");
    if (!iequals(spender, kUptoPermit2ProxyAddress))
      return reject("invalid_permit2_spender", "the payment's spender is " + spender + ", not the x402 upto Permit2 proxy " +
                                                   std::string(kUptoPermit2ProxyAddress));
    if (!iequals(token, r.asset)) return reject("payment_asset_mismatch", "the payment permits token " + token + ", not " + r.asset);
    if (!iequals(to, r.pay_to))
      return reject("payment_recipient_mismatch", "the payment authorizes a transfer to " + to + ", not to " + r.pay_to);
    // The maximum is what the buyer signs: the facilitator verifies it equal to the requirement's.
    if (compare_atomic(amount, r.amount) != 0)
      return reject("payment_amount_mismatch", "the payment authorizes at most " + amount + " atomic units; the maximum is " + r.amount);
    // Only the facilitator the witness names can settle it: one the 402 did not advertise cannot be
    // ours (the requirement's extra, echoed verbatim in `accepted`, names the one advertised).
    if (auto it = r.extra.find("facilitatorAddress"); it != r.extra.end() && it->is_string() && !iequals(facilitator, it->get<std::string>()))
      return reject("upto_facilitator_mismatch", "the payment names facilitator " + facilitator + ", not " + it->get<std::string>());
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
