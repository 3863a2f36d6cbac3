#pragma once
// What an EVM chain shows of an `upto` payment (a Permit2 witness transfer spent by the x402 upto
// proxy) whose settlement outcome is unknown, as pure decisions over JSON-RPC results (the reading
// is payment/reconciliation_evm.cpp's). Permit2 logs nothing per nonce, so:
//   - "unused" is Permit2's nonceBitmap(owner, wordPos) with the nonce's bit clear: past its
//     deadline it can never pay;
//   - "landed" is a transaction to the upto proxy whose settle call names this owner and nonce, and
//     that moved the settled amount of the token from the owner to pay_to (its Transfer log).
// A used nonce alone proves nothing (the owner may have invalidated it, or spent it elsewhere).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace x402gw::chain {

/// The canonical Permit2 contract and the x402 upto Permit2 proxy, lowercase.
inline constexpr std::string_view kPermit2 = "0x000000000022d473030f116ddee9f6b43ac78ba3";
inline constexpr std::string_view kUptoProxy = "0x4020a4f3b7b90cca423b9fabcc0ce57c6c240002";

/// An upto payment as its /settle body names it: all lowercase hex.
struct Permit2Payment {
  std::string token;   // the ERC-20 (the requirement's asset)
  std::string owner;   // permit2Authorization.from
  std::string nonce;   // the Permit2 nonce, 0x + 64 hex
  std::string pay_to;  // the requirement's payTo
  std::string amount;  // what /settle was asked to charge (decimal atomic units)
};

/// The upto payment of a /settle body ({paymentPayload, paymentRequirements} with scheme upto);
/// nullopt when it is none or a field is malformed.
std::optional<Permit2Payment> permit2_of_settle_body(const nlohmann::json& body);

/// eth_call params reading Permit2's nonceBitmap(owner, nonce >> 8) at the latest block.
nlohmann::json nonce_bitmap_params(const Permit2Payment& p);

/// Whether the nonce's bit is set in a nonceBitmap result (a 32-byte word); nullopt when malformed.
std::optional<bool> nonce_used(const nlohmann::json& result, const Permit2Payment& p);

/// eth_getLogs params finding the token's Transfer logs from owner to pay_to, from `from_block` on.
nlohmann::json permit2_transfer_logs_params(const Permit2Payment& p, uint64_t from_block);

/// The transactions of those logs that moved exactly the amount; a string: why the result is malformed.
std::variant<std::vector<std::string>, std::string> transfers_of_amount(const nlohmann::json& logs, const Permit2Payment& p);

/// Whether an eth_getTransactionByHash result is a call of the upto proxy's settle (or
/// settleWithPermit) for this owner, nonce and amount.
bool settles_permit2(const nlohmann::json& transaction, const Permit2Payment& p);

/// A decimal uint256 as 0x + 64 hex; nullopt when it is not one.
std::optional<std::string> uint256_hex(std::string_view decimal);

}  // namespace x402gw::chain
