#pragma once
// The Stellar transaction envelope (XDR) of an x402 `exact` payment: one invokeHostFunction
// operation calling a contract, with Soroban authorization entries. Read by hand, without an XDR
// library, as far as the gateway needs.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace x402gw::x402 {

/// A contract-call argument, as far as a SEP-41 transfer needs it.
struct StellarArgument {
  enum class Kind { address, i128, other };
  Kind kind = Kind::other;
  std::string text;   // address: its strkey (G..., C..., M...); i128: its decimal value
};

/// An authorization entry signed for an address: Soroban consumes its nonce once per address.
struct StellarAddressAuthorization {
  std::string address;          // strkey
  int64_t nonce = 0;
  uint32_t expiration_ledger = 0;
};

/// The one contract call of the transaction and its authorizations.
struct StellarContractCall {
  std::string contract;         // C... strkey
  std::string function;
  std::vector<StellarArgument> args;
  std::vector<StellarAddressAuthorization> address_authorizations;
  size_t source_account_authorizations = 0;   // entries authorized by the transaction's source
};

/// Parses a TransactionEnvelope of type ENVELOPE_TYPE_TX whose only operation invokes a contract,
/// down to its signatures, which must end the input. The reason sentence otherwise.
std::variant<StellarContractCall, std::string> parse_stellar_contract_call(std::string_view envelope_xdr);

/// The strkey of a 32-byte ed25519 public key ("G...") or contract id ("C...").
std::string stellar_strkey(char kind, std::string_view payload);

}  // namespace x402gw::x402
