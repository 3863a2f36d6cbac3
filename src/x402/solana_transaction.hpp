#pragma once
// The Solana wire transaction (legacy and v0), read as far as a gateway needs: the signed message
// bytes, the static account keys and the compiled instructions.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace x402gw::x402 {

/// One compiled instruction: indexes into the message's accounts, and its data.
struct SolanaInstruction {
  uint8_t program_index = 0;
  std::vector<uint8_t> accounts;
  std::string data;
};

/// A parsed transaction. Keys are 32 raw bytes each.
struct SolanaTransaction {
  int version = -1;                        // -1: legacy; 0: v0
  size_t signature_count = 0;
  std::string message;                     // exactly the bytes the signatures sign
  std::vector<std::string> account_keys;   // the static keys (v0 lookup-table keys are not here)
  std::vector<SolanaInstruction> instructions;
};

/// Parses a serialized transaction: compact-u16 signature count, the 64-byte signatures, then the
/// message, which must end the input. The reason sentence when it is truncated, has trailing
/// bytes, a non-canonical compact-u16, an unknown version or inconsistent counts.
std::variant<SolanaTransaction, std::string> parse_solana_transaction(std::string_view bytes);

}  // namespace x402gw::x402
