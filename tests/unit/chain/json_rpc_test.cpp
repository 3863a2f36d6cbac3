#include "chain/json_rpc.hpp"

#include <gtest/gtest.h>

using namespace x402gw::chain;

TEST(JsonRpc, RequestBody) {
  const nlohmann::json body = nlohmann::json::parse(rpc_request("eth_getBlockByNumber", nlohmann::json::array({"0x1b4", false}), 7));
  EXPECT_EQ(body, (nlohmann::json{{"jsonrpc", "2.0"}, {"id", 7}, {"method", "eth_getBlockByNumber"}, {"params", {"0x1b4", false}}}));
}

TEST(JsonRpc, ResultIncludingNull) {
  auto a = parse_rpc_answer(R"({"jsonrpc":"2.0","id":3,"result":"0x10"})", 3);
  ASSERT_TRUE(std::holds_alternative<nlohmann::json>(a));
  EXPECT_EQ(std::get<nlohmann::json>(a), "0x10");
  auto n = parse_rpc_answer(R"({"jsonrpc":"2.0","id":3,"result":null})", 3);
  ASSERT_TRUE(std::holds_alternative<nlohmann::json>(n));
  EXPECT_TRUE(std::get<nlohmann::json>(n).is_null());
}

TEST(JsonRpc, Failures) {
  auto message = [](std::string_view body, uint64_t id) {
    auto a = parse_rpc_answer(body, id);
    return std::holds_alternative<RpcFailure>(a) ? std::get<RpcFailure>(a).message : std::string("(result)");
  };
  EXPECT_EQ(message(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"method not found"}})", 1),
            "JSON-RPC error -32601: method not found");
  EXPECT_EQ(message("<html>", 1), "the answer is not a JSON-RPC object");
  EXPECT_EQ(message("[]", 1), "the answer is not a JSON-RPC object");
  EXPECT_EQ(message(R"({"jsonrpc":"2.0","id":2,"result":"0x1"})", 1), "the answer is for another call (id)");
  EXPECT_EQ(message(R"({"jsonrpc":"2.0","result":"0x1"})", 1), "the answer is for another call (id)");
  EXPECT_EQ(message(R"({"jsonrpc":"2.0","id":1})", 1), "the answer has no result");
}

TEST(JsonRpc, BlockTimestamp) {
  EXPECT_EQ(block_timestamp(nlohmann::json{{"number", "0x5"}, {"timestamp", "0x6553f100"}}), 0x6553f100u);
  EXPECT_EQ(block_timestamp(nlohmann::json(nullptr)), std::nullopt);
  EXPECT_EQ(block_timestamp(nlohmann::json{{"number", "0x5"}}), std::nullopt);
  EXPECT_EQ(block_timestamp(nlohmann::json{{"timestamp", "12"}}), std::nullopt);
}
