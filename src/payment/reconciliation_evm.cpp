#include "payment/reconciliation_evm.hpp"

namespace x402gw::payment {
namespace {

// The receipt of `tx`, when the node has one.
awaitable<std::optional<chain::EvmReceipt>> receipt_of(EvmRpc& rpc, const std::string& tx, std::string& said) {
  RpcResult<std::optional<chain::EvmReceipt>> r = co_await rpc.receipt(tx);
  if (r.error) {
    said = r.detail;
    co_return std::nullopt;
  }
  co_return r.value;
}

}  // namespace

awaitable<ChainReading> read_authorization(EvmRpc& rpc, chain::EvmAuthorization auth, std::string named_tx, int64_t expires_at,
                                           int64_t now) {
  ChainReading out;
  if (!named_tx.empty()) {
    std::optional<chain::EvmReceipt> receipt = co_await receipt_of(rpc, named_tx, out.said);
    if (receipt && chain::receipt_pays(*receipt, auth)) {
      out.finding = chain::ChainFinding::landed;
      out.transaction = named_tx;
      out.said = "the named transaction pays";
      co_return out;
    }
  }
  const nlohmann::json state_params = authorization_state_params(auth);
  RpcResult<nlohmann::json> state = co_await rpc.call("eth_call", state_params);
  if (state.error) {
    out.said = state.detail;
    co_return out;
  }
  const std::optional<bool> used = chain::parse_bool_word(state.value);
  if (!used) {
    out.said = "authorizationState answered something other than a bool";
    co_return out;
  }
  if (!*used) {
    // Unused: it may still land before validBefore; after it, never.
    if (now > expires_at) out.finding = chain::ChainFinding::not_paid;
    out.said = now > expires_at ? "the authorization is unused and expired" : "the authorization is not used yet";
    co_return out;
  }
  RpcResult<uint64_t> head = co_await rpc.head();
  if (head.error) {
    out.said = head.detail;
    co_return out;
  }
  const uint64_t from_block = head.value > kAuthorizationLogBlocks ? head.value - kAuthorizationLogBlocks : 0;
  const nlohmann::json log_params = chain::authorization_logs_params(auth, from_block);
  RpcResult<nlohmann::json> logs = co_await rpc.call("eth_getLogs", log_params);
  if (logs.error) {
    out.said = logs.detail;
    co_return out;
  }
  auto parsed = chain::parse_authorization_logs(logs.value, auth);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    out.said = "eth_getLogs: " + *why;
    co_return out;
  }
  for (const chain::AuthorizationLog& log : std::get<std::vector<chain::AuthorizationLog>>(parsed)) {
    if (log.canceled) {
      out.finding = chain::ChainFinding::not_paid;
      out.said = "the payer cancelled the authorization in " + log.transaction;
      co_return out;
    }
    std::optional<chain::EvmReceipt> receipt = co_await receipt_of(rpc, log.transaction, out.said);
    if (!receipt) {
      if (out.said.empty()) out.said = "no receipt yet for " + log.transaction;
      co_return out;
    }
    const bool pays = chain::receipt_pays(*receipt, auth);
    out.finding = pays ? chain::ChainFinding::landed : chain::ChainFinding::not_paid;
    out.transaction = log.transaction;
    out.said = pays ? "the authorization paid in " + log.transaction
                    : "the authorization was used in " + log.transaction + " without paying the price to pay_to";
    co_return out;
  }
  out.said = "the authorization is used, and its transaction is not within the last " + std::to_string(kAuthorizationLogBlocks) + " blocks";
  co_return out;
}

namespace {

// Whether `tx` is the upto proxy's settle of the payment, and its receipt shows it succeeded.
awaitable<bool> settled_by(EvmRpc& rpc, const chain::Permit2Payment& p, const std::string& tx, std::string& said) {
  const nlohmann::json params = nlohmann::json::array({tx});
  RpcResult<nlohmann::json> found = co_await rpc.call("eth_getTransactionByHash", params);
  if (found.error) {
    said = found.detail;
    co_return false;
  }
  if (!chain::settles_permit2(found.value, p)) co_return false;
  std::optional<chain::EvmReceipt> receipt = co_await receipt_of(rpc, tx, said);
  co_return receipt && receipt->succeeded;
}

}  // namespace

awaitable<ChainReading> read_permit2(EvmRpc& rpc, chain::Permit2Payment payment, std::string named_tx, int64_t expires_at,
                                     int64_t now) {
  ChainReading out;
  if (!named_tx.empty() && co_await settled_by(rpc, payment, named_tx, out.said)) {
    out.finding = chain::ChainFinding::landed;
    out.transaction = named_tx;
    out.said = "the named transaction settles the Permit2 nonce";
    co_return out;
  }
  const nlohmann::json bitmap_params = chain::nonce_bitmap_params(payment);
  RpcResult<nlohmann::json> bitmap = co_await rpc.call("eth_call", bitmap_params);
  if (bitmap.error) {
    out.said = bitmap.detail;
    co_return out;
  }
  const std::optional<bool> used = chain::nonce_used(bitmap.value, payment);
  if (!used) {
    out.said = "nonceBitmap answered something other than a 32-byte word";
    co_return out;
  }
  if (!*used) {
    // Unused: it may still land before the permit's deadline; after it, never.
    if (now > expires_at) out.finding = chain::ChainFinding::not_paid;
    out.said = now > expires_at ? "the Permit2 nonce is unused and the permit expired" : "the Permit2 nonce is not used yet";
    co_return out;
  }
  RpcResult<uint64_t> head = co_await rpc.head();
  if (head.error) {
    out.said = head.detail;
    co_return out;
  }
  const uint64_t from_block = head.value > kAuthorizationLogBlocks ? head.value - kAuthorizationLogBlocks : 0;
  const nlohmann::json log_params = chain::permit2_transfer_logs_params(payment, from_block);
  RpcResult<nlohmann::json> logs = co_await rpc.call("eth_getLogs", log_params);
  if (logs.error) {
    out.said = logs.detail;
    co_return out;
  }
  auto parsed = chain::transfers_of_amount(logs.value, payment);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    out.said = "eth_getLogs: " + *why;
    co_return out;
  }
  for (const std::string& tx : std::get<std::vector<std::string>>(parsed)) {
    if (!co_await settled_by(rpc, payment, tx, out.said)) continue;
    out.finding = chain::ChainFinding::landed;
    out.transaction = tx;
    out.said = "the Permit2 nonce was settled for " + payment.amount + " in " + tx;
    co_return out;
  }
  // Used, and no settlement of it for this amount in range: spent otherwise, invalidated, or older.
  // Nothing is proved either way; the reconciler keeps asking the facilitator.
  out.said = "the Permit2 nonce is used, and no settlement of it for " + payment.amount + " is within the last " +
             std::to_string(kAuthorizationLogBlocks) + " blocks";
  co_return out;
}

awaitable<std::optional<ChainReading>> read_settle_body(EvmRpc& rpc, const std::string& body, std::string named_tx,
                                                        int64_t expires_at, int64_t now) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (std::optional<chain::EvmAuthorization> auth = chain::authorization_of_settle_body(doc))
    co_return co_await read_authorization(rpc, std::move(*auth), std::move(named_tx), expires_at, now);
  // upto: the body names the charge; the chain must show that amount moved.
  if (std::optional<chain::Permit2Payment> permit = chain::permit2_of_settle_body(doc))
    co_return co_await read_permit2(rpc, std::move(*permit), std::move(named_tx), expires_at, now);
  co_return std::nullopt;
}

}  // namespace x402gw::payment
