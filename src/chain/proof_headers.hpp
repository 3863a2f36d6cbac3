#pragma once
// Pay-then-prove (the older x402 flow): the client pays with a plain token transfer on chain and
// retries with the transaction hash as proof. These are the request headers it proves with and the
// hint headers a 402 carries for such clients. Pure: no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace x402gw::chain {

/// A payment proof as a client presents it: the hash, and what it claims it paid (may be empty).
struct TransferProof {
  std::string tx_hash;  // 0x + 64 lowercase hex
  std::string network;
  std::string token;
  std::string amount;
};

/// Reads `X-402-Payment-Proof: {"txHash", "network", "token", "amount"}` or, when that header is
/// absent, `X-Payment-Proof: <txHash>`. nullopt: neither header was sent; a string: why the proof
/// is malformed.
std::optional<std::variant<TransferProof, std::string>> parse_proof_headers(std::optional<std::string_view> json_proof,
                                                                           std::optional<std::string_view> hash_proof);

/// Whether `text` is a transaction hash: 0x and 64 hex digits.
bool is_tx_hash(std::string_view text);

/// What a 402 tells pay-then-prove clients to pay.
struct PaymentHint {
  std::string amount;    // decimal in the token's units, as priced ("0.01")
  std::string receiver;  // pay_to
  std::string network;   // "base"
  std::string token;     // the token contract
  std::string chain_id;  // "8453"
};

/// The hint headers: X-402-Amount, X-402-Receiver, X-402-Network, X-402-Token, and X-Payment as
/// JSON {amount, token, chain, to}.
std::vector<std::pair<std::string, std::string>> hint_headers(const PaymentHint& hint);

}  // namespace x402gw::chain
