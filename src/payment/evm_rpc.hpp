#pragma once
// An EVM node's JSON-RPC endpoint (chains.<network>.rpc), read over pooled connections of one
// worker thread, for pay-then-prove: receipts, the head block and a block's timestamp. One deadline
// (chains.<network>.timeout) covers each whole call: connect, write and read.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chain/transfer_check.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "net/worker_context.hpp"

namespace x402gw::payment {

/// A call's result, or the error it failed with (chain_unavailable, chain_timeout) and why.
template <class T>
struct RpcResult {
  std::optional<core::Error> error;
  std::string detail;
  T value{};
};

/// The JSON-RPC client of one configured chain.
class EvmRpc {
 public:
  EvmRpc(const config::Chain& chain, net::WorkerContext& worker) : chain_(chain), worker_(worker) {}

  /// eth_getTransactionReceipt: nullopt when the node knows no mined transaction of that hash.
  awaitable<RpcResult<std::optional<chain::EvmReceipt>>> receipt(const std::string& tx_hash);
  /// eth_blockNumber: the head.
  awaitable<RpcResult<uint64_t>> head();
  /// eth_getBlockByNumber(number, false).timestamp, in unix seconds.
  awaitable<RpcResult<uint64_t>> block_time(uint64_t number);
  /// One call; its `result` member (JSON null allowed). Reconciliation reads eth_call and eth_getLogs.
  awaitable<RpcResult<nlohmann::json>> call(const char* method, const nlohmann::json& params);

 private:

  const config::Chain& chain_;
  net::WorkerContext& worker_;
  uint64_t next_id_ = 1;
};

}  // namespace x402gw::payment
