#pragma once
// Whether an EVM transaction receipt proves a payment: the sans-io decision of pay-then-prove.
// Its input is what eth_getTransactionReceipt, eth_blockNumber and eth_getBlockByNumber answered
// (JSON-RPC `result` members); its output is the verdict with the refusal reason a 402 names.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace x402gw::chain {

/// One log of a receipt.
struct EvmLog {
  std::string address;              // lowercase 0x + 40 hex
  std::vector<std::string> topics;  // lowercase 0x + 64 hex
  std::string data;                 // lowercase 0x + hex
};

/// The parts of a transaction receipt a payment check reads.
struct EvmReceipt {
  std::string transaction_hash;  // lowercase, as the node names it ("" when it names none)
  bool succeeded = false;
  uint64_t block_number = 0;
  std::vector<EvmLog> logs;
};

/// Reads an eth_getTransactionReceipt result. nullopt: `null` (not mined, or unknown); a string:
/// why the result is malformed.
std::variant<std::nullopt_t, EvmReceipt, std::string> parse_receipt(const nlohmann::json& result);

/// Reads a hex quantity ("0x1b4") as eth_blockNumber and block headers give it.
std::optional<uint64_t> parse_quantity(const nlohmann::json& value);

/// What the route asks to be paid.
struct ExpectedTransfer {
  std::string token;       // ERC-20 contract
  std::string pay_to;      // recipient
  std::string min_amount;  // atomic units, decimal
};

/// How settled a proof must be: confirmations counted as head - block + 1, age in seconds.
struct ProofPolicy {
  uint64_t confirmations = 1;
  uint64_t max_age_seconds = 0;  // 0: any age
};

/// Why a proof is refused (each is a reason string in the 402).
enum class ProofRefusal { none, not_found, reverted, too_small, wrong_token, wrong_recipient, not_confirmed, too_old };

/// The verdict; `payer` and `amount` are the matching Transfer's when accepted, and `matched` the
/// index of the expected transfer it pays.
struct ProofVerdict {
  ProofRefusal refusal = ProofRefusal::none;
  std::string message;
  std::string payer;
  std::string amount;
  size_t matched = 0;
};

/// Whether a refusal holds whatever the route asks (the transaction reverted, or is older than the
/// chain's max_age), so that it may be remembered for every route. The others (too small, wrong
/// token or recipient) depend on the route; not found and not confirmed change with later blocks.
bool holds_for_every_route(ProofRefusal refusal);

/// The reason string of a refusal ("proof_not_found", ...).
std::string_view refusal_code(ProofRefusal refusal);

/// Checks `receipt` (nullopt: not found) against what is expected: one Transfer of the token to
/// pay_to of at least the price, and pay_to left with at least the price of it net of what it sent
/// out in the same transaction. `head` is the latest block
/// number; `block_timestamp` the receipt's block time and `now` the wall clock, both in seconds.
ProofVerdict check_transfer(const std::optional<EvmReceipt>& receipt, const ExpectedTransfer& expected,
                            const ProofPolicy& policy, uint64_t head, uint64_t block_timestamp, uint64_t now);

/// The same against every transfer a route accepts on the receipt's network (a route may price one
/// network several ways): accepted when one of them is paid. Refusals that hold for every route
/// (reverted, too old) are found before what the route asks; otherwise the nearest miss is named.
ProofVerdict check_transfer(const std::optional<EvmReceipt>& receipt, const std::vector<ExpectedTransfer>& expected,
                            const ProofPolicy& policy, uint64_t head, uint64_t block_timestamp, uint64_t now);

}  // namespace x402gw::chain
