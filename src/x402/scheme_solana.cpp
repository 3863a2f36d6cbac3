// Solana (SVM) payloads of the `exact` scheme, per the x402 spec's scheme_exact_svm.md:
// {transaction: base64 of a partially signed transaction}; the facilitator adds the fee payer's
// signature and submits it.
#include "x402/base58.hpp"
#include "x402/base64.hpp"
#include "x402/digest.hpp"
#include "x402/scheme_support.hpp"
#include "x402/solana_transaction.hpp"

namespace x402gw::x402::scheme_support {
namespace {

constexpr std::string_view kTokenProgram = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
constexpr std::string_view kToken2022Program = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";
constexpr uint8_t kTransferChecked = 12;   // SPL token instruction: amount u64 LE, decimals u8

std::variant<SolanaTransaction, PaymentRejection> decode(const PaymentPayload& payment) {
  auto bytes = transaction_bytes(payment, "transaction", nullptr, "base64",
                                 [](const std::string& text) { return base64_decode(text); });
  if (auto* rejection = std::get_if<PaymentRejection>(&bytes)) return *rejection;
  auto parsed = parse_solana_transaction(std::get<std::string>(bytes));
  if (auto* reason = std::get_if<std::string>(&parsed)) return invalid_payload("payload.transaction: " + *reason);
  return std::get<SolanaTransaction>(std::move(parsed));
}

// The key an instruction's account index names, base58; "" when the index points into an address
// lookup table, which only the chain can resolve.
std::string key_at(const SolanaTransaction& tx, size_t index) {
  return index < tx.account_keys.size() ? base58_encode(tx.account_keys[index]) : std::string();
}

// The one TransferChecked of the SPL token or token-2022 program, which the spec requires.
std::variant<const SolanaInstruction*, PaymentRejection> transfer_of(const SolanaTransaction& tx) {
  const SolanaInstruction* found = nullptr;
  for (const auto& ix : tx.instructions) {
    std::string program = key_at(tx, ix.program_index);
    if (program != kTokenProgram && program != kToken2022Program) continue;
    if (ix.data.size() != 10 || static_cast<uint8_t>(ix.data[0]) != kTransferChecked) continue;
    if (found) return invalid_payload("the transaction has more than one token transfer");
    if (ix.accounts.size() < 4) return invalid_payload("the token transfer names fewer than 4 accounts");
    found = &ix;
  }
  if (!found) return invalid_payload("the transaction has no TransferChecked instruction");
  return found;
}

class SolanaScheme final : public PaymentScheme {
 public:
  std::string_view family() const override { return "solana"; }

  std::variant<std::string, PaymentRejection> identity(const PaymentPayload& payment,
                                                       const Requirement& requirement) const override {
    // The message carries the blockhash, the transfer and the client's memo nonce, and is what the
    // fee payer signs; its signature (the transaction id) is one function of it. The signature
    // slots are left out: the fee payer's is still empty here and the client's adds nothing.
    auto tx = decode(payment);
    if (auto* rejection = std::get_if<PaymentRejection>(&tx)) return *rejection;
    return "solana:" + identity_network(requirement) + ":" + to_hex(sha256(std::get<SolanaTransaction>(tx).message));
  }

  std::optional<PaymentRejection> precheck(const PaymentPayload& payment, const Requirement& r) const override {
    auto decoded = decode(payment);
    if (auto* rejection = std::get_if<PaymentRejection>(&decoded)) return *rejection;
    const auto& tx = std::get<SolanaTransaction>(decoded);
    auto transfer = transfer_of(tx);
    if (auto* rejection = std::get_if<PaymentRejection>(&transfer)) return *rejection;
    const auto& ix = *std::get<const SolanaInstruction*>(transfer);

    uint64_t amount = 0;
    for (int i = 8; i >= 1; --i) amount = amount << 8 | static_cast<uint8_t>(ix.data[i]);
    if (std::to_string(amount) != r.amount)
      return reject("payment_amount_mismatch",
                    "the transaction transfers " + std::to_string(amount) + " atomic units; the price is " + r.amount);
    std::string mint = key_at(tx, ix.accounts[1]);
    if (!mint.empty() && mint != r.asset)
      return reject("payment_asset_mismatch", "the transaction transfers mint " + mint + ", not " + r.asset);
    // The destination is the payee's associated token account, a program-derived address: the
    // facilitator derives and checks it; the gateway does no curve arithmetic.
    return std::nullopt;
  }

  std::string payer(const PaymentPayload& payment) const override {
    auto decoded = decode(payment);
    if (!std::holds_alternative<SolanaTransaction>(decoded)) return {};
    const auto& tx = std::get<SolanaTransaction>(decoded);
    auto transfer = transfer_of(tx);
    if (!std::holds_alternative<const SolanaInstruction*>(transfer)) return {};
    return key_at(tx, std::get<const SolanaInstruction*>(transfer)->accounts[3]);  // the transfer's authority
  }
};

}  // namespace

const PaymentScheme& solana_scheme() {
  static const SolanaScheme scheme;
  return scheme;
}

}  // namespace x402gw::x402::scheme_support
