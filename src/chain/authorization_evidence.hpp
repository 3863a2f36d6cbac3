#pragma once
// What an EVM chain shows of an EIP-3009 authorization whose settlement outcome is unknown, as
// pure decisions over JSON-RPC results (the reading is payment/reconciliation_evm.cpp's).
// "The nonce is used" is not proof of payment: the payer may have cancelled the authorization
// (cancelAuthorization) or spent the nonce on another transfer (to itself) while the first
// settle's outcome was unknown. A payment landed when a transaction under that authorization
// (its AuthorizationUsed(from, nonce) log) moved the price to pay_to (a Transfer of the token).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "chain/transfer_check.hpp"

namespace x402gw::chain {

/// An EIP-3009 authorization and what the route asked for it: all lowercase hex, amount decimal.
struct EvmAuthorization {
  std::string token;   // the ERC-20 contract (the requirement's asset)
  std::string from;    // 0x + 40 hex
  std::string nonce;   // 0x + 64 hex
  std::string pay_to;  // the requirement's payTo
  std::string amount;  // the requirement's amount (atomic units)
};

/// The authorization of a /settle request body ({paymentPayload, paymentRequirements}); nullopt
/// when the payload carries none (not an EIP-3009 payment) or a field is malformed.
std::optional<EvmAuthorization> authorization_of_settle_body(const nlohmann::json& body);

/// eth_call params reading authorizationState(from, nonce) at the latest block.
nlohmann::json authorization_state_params(const EvmAuthorization& a);

/// An eth_call result read as a bool (a 32-byte word 0 or 1); nullopt when it is not one.
std::optional<bool> parse_bool_word(const nlohmann::json& result);

/// eth_getLogs params finding the token's AuthorizationUsed and AuthorizationCanceled logs of
/// (from, nonce) from block `from_block` on.
nlohmann::json authorization_logs_params(const EvmAuthorization& a, uint64_t from_block);

/// One AuthorizationUsed or AuthorizationCanceled log.
struct AuthorizationLog {
  bool canceled = false;
  std::string transaction;  // its transaction hash
};

/// Reads an eth_getLogs result (only the logs of `a` are kept); a string: why it is malformed.
std::variant<std::vector<AuthorizationLog>, std::string> parse_authorization_logs(const nlohmann::json& result,
                                                                                  const EvmAuthorization& a);

/// What the chain proves about a payment.
enum class ChainFinding {
  landed,    // a transaction under the authorization moved the price to pay_to
  not_paid,  // the authorization can no longer pay: cancelled, spent otherwise, or unused past its validBefore
};

/// Whether `receipt` (of a transaction that used the authorization, or that the facilitator named)
/// is the payment: it succeeded, used the authorization, and moved at least the price from the
/// payer to pay_to in the token.
bool receipt_pays(const EvmReceipt& receipt, const EvmAuthorization& a);

/// The word for a finding ("landed").
std::string_view to_string(ChainFinding f);

}  // namespace x402gw::chain
