#include "chain/json_rpc.hpp"

#include "chain/transfer_check.hpp"

namespace x402gw::chain {

std::string rpc_request(std::string_view method, const nlohmann::json& params, uint64_t id) {
  const nlohmann::json body{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  return body.dump();
}

std::variant<nlohmann::json, RpcFailure> parse_rpc_answer(std::string_view body, uint64_t id) {
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) return RpcFailure{"the answer is not a JSON-RPC object"};
  if (auto e = answer.find("error"); e != answer.end() && !e->is_null()) {
    std::string message = "JSON-RPC error";
    if (e->is_object()) {
      if (auto code = e->find("code"); code != e->end() && code->is_number_integer()) message += " " + std::to_string(code->get<int64_t>());
      if (auto m = e->find("message"); m != e->end() && m->is_string()) message += ": " + m->get<std::string>().substr(0, 200);
    }
    return RpcFailure{std::move(message)};
  }
  auto got = answer.find("id");
  if (got == answer.end() || !got->is_number_unsigned() || got->get<uint64_t>() != id)
    return RpcFailure{"the answer is for another call (id)"};
  auto result = answer.find("result");
  if (result == answer.end()) return RpcFailure{"the answer has no result"};
  return std::move(*result);
}

std::optional<uint64_t> block_timestamp(const nlohmann::json& block) {
  if (!block.is_object()) return std::nullopt;
  auto t = block.find("timestamp");
  if (t == block.end()) return std::nullopt;
  return parse_quantity(*t);
}

}  // namespace x402gw::chain
