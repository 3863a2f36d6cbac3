// Stacks payloads: {transaction: hex of a fully signed transaction} (x402-stacks 2.x, which the
// Stacks facilitators run; the x402 spec's scheme_exact_stacks.md calls the member
// `signedTransaction`, so that is read too). The facilitator only broadcasts it.
#include "x402/digest.hpp"
#include "x402/money.hpp"
#include "x402/scheme_support.hpp"
#include "x402/stacks_transaction.hpp"

namespace x402gw::x402::scheme_support {
namespace {

std::variant<StacksTransaction, PaymentRejection> decode(const PaymentPayload& payment) {
  auto bytes = transaction_bytes(payment, "transaction", "signedTransaction", "hex",
                                 [](const std::string& text) { return hex_decode(text); });
  if (auto* rejection = std::get_if<PaymentRejection>(&bytes)) return *rejection;
  auto parsed = parse_stacks_transaction(std::get<std::string>(bytes));
  if (auto* reason = std::get_if<std::string>(&parsed)) return invalid_payload("payload.transaction: " + *reason);
  return std::get<StacksTransaction>(std::move(parsed));
}

// "SP....sbtc-token::sbtc-token" names the contract and its token; the call names the contract.
std::string_view contract_of(std::string_view asset) { return asset.substr(0, asset.find("::")); }

std::optional<PaymentRejection> check_amount(uint64_t amount, const Requirement& r) {
  // The spec asks for at least the price.
  if (compare_atomic(std::to_string(amount), r.amount) < 0)
    return reject("payment_amount_mismatch",
                  "the transaction transfers " + std::to_string(amount) + " atomic units; the price is " + r.amount);
  return std::nullopt;
}

class StacksScheme final : public PaymentScheme {
 public:
  std::string_view family() const override { return "stacks"; }

  std::variant<std::string, PaymentRejection> identity(const PaymentPayload& payment,
                                                       const Requirement& requirement) const override {
    // Not the txid: the same payer can re-sign the same nonce with another fee or memo (the mempool
    // replaces by fee), giving a new txid for what can only ever be one confirmed transaction. The
    // origin account's nonce is consumed once, so (origin, nonce) names the payment itself.
    auto tx = decode(payment);
    if (auto* rejection = std::get_if<PaymentRejection>(&tx)) return *rejection;
    const auto& t = std::get<StacksTransaction>(tx);
    return "stacks:" + identity_network(requirement) + ":" + t.origin + ":" + std::to_string(t.origin_nonce);
  }

  std::optional<PaymentRejection> precheck(const PaymentPayload& payment, const Requirement& r) const override {
    auto decoded = decode(payment);
    if (auto* rejection = std::get_if<PaymentRejection>(&decoded)) return *rejection;
    const auto& tx = std::get<StacksTransaction>(decoded);
    // The CAIP-2 reference of a Stacks network is its chain id.
    if (r.network.rfind("stacks:", 0) == 0 && r.network.substr(7) != std::to_string(tx.chain_id))
      return reject("payment_network_mismatch",
                    "the transaction is for Stacks chain " + std::to_string(tx.chain_id) + ", not " + r.network);

    if (iequals(r.asset, "STX")) {
      if (tx.kind != StacksTransaction::Kind::token_transfer)
        return reject("payment_asset_mismatch", "the transaction is a contract call; the price is in STX");
      if (tx.recipient != r.pay_to)
        return reject("payment_recipient_mismatch", "the transaction transfers to " + tx.recipient + ", not to " + r.pay_to);
      return check_amount(tx.amount, r);
    }

    if (tx.kind != StacksTransaction::Kind::contract_call || tx.contract != contract_of(r.asset))
      return reject("payment_asset_mismatch", "the transaction does not call the token contract " + r.asset);
    // SIP-010: transfer(amount uint, sender principal, recipient principal, memo (optional buff)).
    if (tx.function != "transfer" || tx.args.size() != 4 || tx.args[0].kind != StacksValue::Kind::uint ||
        tx.args[2].kind != StacksValue::Kind::principal)
      return invalid_payload("the transaction does not call transfer(amount, sender, recipient, memo)");
    if (tx.args[2].text != r.pay_to)
      return reject("payment_recipient_mismatch", "the transaction transfers to " + tx.args[2].text + ", not to " + r.pay_to);
    if (compare_atomic(tx.args[0].text, r.amount) < 0)
      return reject("payment_amount_mismatch",
                    "the transaction transfers " + tx.args[0].text + " atomic units; the price is " + r.amount);
    return std::nullopt;
  }

  std::string payer(const PaymentPayload& payment) const override {
    auto decoded = decode(payment);
    return std::holds_alternative<StacksTransaction>(decoded) ? std::get<StacksTransaction>(decoded).origin : std::string();
  }
};

}  // namespace

const PaymentScheme& stacks_scheme() {
  static const StacksScheme scheme;
  return scheme;
}

}  // namespace x402gw::x402::scheme_support
