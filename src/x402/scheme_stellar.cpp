// Stellar payloads of the `exact` scheme, per the x402 spec's scheme_exact_stellar.md:
// {transaction: base64 XDR} of one invokeHostFunction calling the asset's SEP-41
// transfer(from, to, amount), with the payer's signed Soroban authorization entry.
#include "x402/base64.hpp"
#include "x402/scheme_support.hpp"
#include "x402/stellar_transaction.hpp"

namespace x402gw::x402::scheme_support {
namespace {

std::variant<StellarContractCall, PaymentRejection> decode(const PaymentPayload& payment) {
  auto bytes = transaction_bytes(payment, "transaction", nullptr, "base64",
                                 [](const std::string& text) { return base64_decode(text); });
  if (auto* rejection = std::get_if<PaymentRejection>(&bytes)) return *rejection;
  auto parsed = parse_stellar_contract_call(std::get<std::string>(bytes));
  if (auto* reason = std::get_if<std::string>(&parsed)) return invalid_payload("payload.transaction: " + *reason);
  return std::get<StellarContractCall>(std::move(parsed));
}

bool is_transfer(const StellarContractCall& call) {
  return call.function == "transfer" && call.args.size() == 3 && call.args[0].kind == StellarArgument::Kind::address &&
         call.args[1].kind == StellarArgument::Kind::address && call.args[2].kind == StellarArgument::Kind::i128;
}

class StellarScheme final : public PaymentScheme {
 public:
  std::string_view family() const override { return "stellar"; }

  std::variant<std::string, PaymentRejection> identity(const PaymentPayload& payment,
                                                       const Requirement& requirement) const override {
    // The facilitator rebuilds the transaction around the operation with its own source account,
    // fee and sequence number, so neither the envelope bytes nor its hash name the payment. The
    // payer's authorization entry does: Soroban accepts its nonce once per address.
    auto decoded = decode(payment);
    if (auto* rejection = std::get_if<PaymentRejection>(&decoded)) return *rejection;
    const auto& call = std::get<StellarContractCall>(decoded);
    if (!is_transfer(call)) return invalid_payload("the transaction does not call transfer(from, to, amount)");
    const std::string& from = call.args[0].text;
    const StellarAddressAuthorization* auth = nullptr;
    for (const auto& a : call.address_authorizations) {
      if (a.address != from) continue;
      if (auth) return invalid_payload("the transaction has more than one authorization entry for " + from);
      auth = &a;
    }
    if (!auth) return invalid_payload("the transaction has no authorization entry signed for " + from);
    return "stellar:" + identity_network(requirement) + ":" + from + ":" + std::to_string(auth->nonce);
  }

  std::optional<PaymentRejection> precheck(const PaymentPayload& payment, const Requirement& r) const override {
    auto decoded = decode(payment);
    if (auto* rejection = std::get_if<PaymentRejection>(&decoded)) return *rejection;
    const auto& call = std::get<StellarContractCall>(decoded);
    if (call.contract != r.asset)
      return reject("payment_asset_mismatch", "the transaction calls contract " + call.contract + ", not " + r.asset);
    if (!is_transfer(call)) return invalid_payload("the transaction does not call transfer(from, to, amount)");
    if (call.args[1].text != r.pay_to)
      return reject("payment_recipient_mismatch", "the transaction transfers to " + call.args[1].text + ", not to " + r.pay_to);
    // The spec asks for the exact amount (as the facilitator checks it).
    if (call.args[2].text != r.amount)
      return reject("payment_amount_mismatch",
                    "the transaction transfers " + call.args[2].text + " atomic units; the price is " + r.amount);
    return std::nullopt;
  }

  std::string payer(const PaymentPayload& payment) const override {
    auto decoded = decode(payment);
    if (!std::holds_alternative<StellarContractCall>(decoded)) return {};
    const auto& call = std::get<StellarContractCall>(decoded);
    return is_transfer(call) ? call.args[0].text : std::string();
  }
};

}  // namespace

const PaymentScheme& stellar_scheme() {
  static const StellarScheme scheme;
  return scheme;
}

}  // namespace x402gw::x402::scheme_support
