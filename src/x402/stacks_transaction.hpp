#pragma once
// The Stacks wire transaction (SIP-005) of an x402 payment: an STX token transfer or a SIP-010
// `transfer` contract call, read by hand as far as the gateway needs.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace x402gw::x402 {

/// A Clarity value, as far as a transfer's arguments need it.
struct StacksValue {
  enum class Kind { uint, principal, other };
  Kind kind = Kind::other;
  std::string text;   // uint: decimal; principal: "SP..." or "SP....contract-name"
};

/// A parsed, signed transaction.
struct StacksTransaction {
  enum class Kind { token_transfer, contract_call };
  bool mainnet = false;          // transaction version 0x00 (mainnet) or 0x80 (testnet)
  uint32_t chain_id = 0;         // 1 on mainnet, 0x80000000 on testnet: the CAIP-2 reference
  std::string txid;              // lower-case hex SHA-512/256 of the serialized transaction
  std::string origin;            // the origin's address (the payer), c32check
  uint64_t origin_nonce = 0;     // the origin account's nonce: one transaction per value, ever
  bool sponsored = false;
  Kind kind = Kind::token_transfer;
  std::string recipient;         // token transfer
  uint64_t amount = 0;           // token transfer, micro-STX
  std::string contract;          // contract call: "SP....contract-name"
  std::string function;          // contract call
  std::vector<StacksValue> args; // contract call
};

/// Parses a serialized transaction, which must end the input: the reason sentence when it is
/// truncated, has trailing bytes or is not a token transfer or contract call.
std::variant<StacksTransaction, std::string> parse_stacks_transaction(std::string_view bytes);

/// The c32check address of an address version and a 20-byte hash ("SP...", "ST...", "SM...", "SN...").
std::string stacks_address(uint8_t version, std::string_view hash160);

}  // namespace x402gw::x402
