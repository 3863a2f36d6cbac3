#pragma once
// Reads what an EVM chain shows of an authorization whose settlement outcome is unknown, through
// the node `chains:` names for its network (payment/evm_rpc.hpp). The decisions are pure
// (chain/authorization_evidence.hpp); this file only asks, in this order:
//   1. the receipt of the transaction the facilitator named, if it named one;
//   2. authorizationState(from, nonce): unused before validBefore proves nothing, unused after it
//      proves the payment never lands;
//   3. once used: the token's AuthorizationUsed / AuthorizationCanceled logs of (from, nonce), and
//      the receipt of the transaction that used it: the payment, or another transfer.
#include <cstdint>
#include <optional>
#include <string>

#include "chain/authorization_evidence.hpp"
#include "chain/permit2_evidence.hpp"
#include "net/asio.hpp"
#include "payment/evm_rpc.hpp"

namespace x402gw::payment {

/// How far back (blocks) the logs of an authorization are searched: about a day on a 2 s chain,
/// within what public nodes allow one eth_getLogs to cover.
inline constexpr uint64_t kAuthorizationLogBlocks = 50'000;

/// What the chain proved, and the transaction that proves a landing.
struct ChainReading {
  std::optional<chain::ChainFinding> finding;  // nullopt: nothing proved (yet), or the node failed
  std::string transaction;                     // landed: the paying transaction
  std::string said;                            // a sentence for the log
};

/// Reads the chain about `auth`. `named_tx`: the transaction the facilitator named ("" if none);
/// `expires_at`: the authorization's validBefore; `now`: unix seconds.
awaitable<ChainReading> read_authorization(EvmRpc& rpc, chain::EvmAuthorization auth, std::string named_tx, int64_t expires_at,
                                           int64_t now);

/// Reads the chain about an upto (Permit2) payment, in this order (chain/permit2_evidence.hpp):
///   1. the transaction the facilitator named, if any: a settle of this nonce that moved the amount;
///   2. Permit2's nonceBitmap: unused before the deadline proves nothing, unused after it proves the
///      payment never lands;
///   3. once used: the token's Transfer logs from the owner to pay_to of exactly the settled amount,
///      and the transaction of each: the upto proxy's settle of this owner and nonce is the payment.
awaitable<ChainReading> read_permit2(EvmRpc& rpc, chain::Permit2Payment payment, std::string named_tx, int64_t expires_at,
                                     int64_t now);

/// Reads the chain about the payment a journaled /settle body names: an EIP-3009 authorization
/// (read_authorization) or an upto Permit2 payment (read_permit2); nullopt when it names neither.
awaitable<std::optional<ChainReading>> read_settle_body(EvmRpc& rpc, const std::string& body, std::string named_tx,
                                                        int64_t expires_at, int64_t now);

}  // namespace x402gw::payment
