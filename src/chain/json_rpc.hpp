#pragma once
// The JSON-RPC 2.0 envelope of the EVM node calls pay-then-prove makes: the request body, and the
// answer read back into its `result` or the reason it has none. Pure: no I/O.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace x402gw::chain {

/// The body of one JSON-RPC call.
std::string rpc_request(std::string_view method, const nlohmann::json& params, uint64_t id);

/// A call's `result` member (may be JSON null), or why there is none (an `error` member, not
/// JSON, another id, no result).
struct RpcFailure {
  std::string message;
};

/// Reads the answer to the call numbered `id`.
std::variant<nlohmann::json, RpcFailure> parse_rpc_answer(std::string_view body, uint64_t id);

/// eth_getBlockByNumber's `timestamp` (unix seconds) of a block object; nullopt when absent.
std::optional<uint64_t> block_timestamp(const nlohmann::json& block);

}  // namespace x402gw::chain
