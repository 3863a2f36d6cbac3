#include "payment/evm_rpc.hpp"

#include <boost/beast/http/string_body.hpp>
#include <cstdio>

#include "chain/json_rpc.hpp"
#include "net/whole_exchange.hpp"

namespace x402gw::payment {
namespace {

using Clock = std::chrono::steady_clock;

/// Largest JSON-RPC answer read: a receipt with many logs, well below a block with its transactions.
constexpr uint64_t kMaxRpcAnswerBytes = 4 * 1024 * 1024;

bool is_timeout(const net::TransportFailure& f) { return f.ec == beast::error::timeout || f.ec == asio::error::timed_out; }

std::string hex_quantity(uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace

awaitable<RpcResult<nlohmann::json>> EvmRpc::call(const char* method, const nlohmann::json& params) {
  const config::Chain& c = chain_;
  const auto deadline = Clock::now() + c.timeout;
  const uint64_t id = next_id_++;
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, c.rpc.base_path.empty() ? "/" : c.rpc.base_path, 11};
  req.set(bhttp::field::host, c.rpc.host_header());
  req.set(bhttp::field::user_agent, "x402-gateway");
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::content_type, "application/json");
  req.body() = chain::rpc_request(method, params, id);
  req.keep_alive(true);
  req.prepare_payload();

  // The connect may use what is left of the call's deadline, and no more.
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  const net::Origin origin{&c.rpc, &c.tls, std::min(remaining, c.connect_timeout), &c.pool_key, c.idle_timeout};
  net::AnswerParser parser;
  auto attempt = [&](net::Connection& conn) { return net::write_then_read(conn, req, parser, kMaxRpcAnswerBytes, deadline); };
  // Reads only: a call met by a stale pooled connection may be sent again.
  net::PooledResult pooled =
      co_await net::pooled_exchange(worker_.chains, worker_.tls, origin, net::Resend::if_unanswered, true, attempt);

  RpcResult<nlohmann::json> out;
  const std::string where = "the JSON-RPC endpoint of chain '" + c.name + "' (" + method + ")";
  if (!pooled.connection) {
    const bool timeout = is_timeout(pooled.failure) || (pooled.failure.phase != net::Phase::read &&
                                                        pooled.failure.phase != net::Phase::write && Clock::now() >= deadline);
    out.error = timeout ? core::Error::chain_timeout : core::Error::chain_unavailable;
    out.detail = timeout ? where + " did not answer within " + std::to_string(c.timeout.count()) + "ms"
                         : where + " could not be reached: " + pooled.failure.ec.message();
    co_return out;
  }
  auto& res = *parser;
  if (res.status() / 100 != 2) {
    out.error = core::Error::chain_unavailable;
    out.detail = where + " answered HTTP " + std::to_string(res.status());
    co_return out;
  }
  auto parsed = chain::parse_rpc_answer(res.body(), id);
  if (res.keep_alive()) worker_.chains.put(c.pool_key, std::move(pooled.connection), c.max_idle_connections);
  if (auto* failure = std::get_if<chain::RpcFailure>(&parsed)) {
    out.error = core::Error::chain_unavailable;
    out.detail = where + ": " + failure->message;
    co_return out;
  }
  out.value = std::get<nlohmann::json>(std::move(parsed));
  co_return out;
}

awaitable<RpcResult<std::optional<chain::EvmReceipt>>> EvmRpc::receipt(const std::string& tx_hash) {
  const nlohmann::json params = nlohmann::json::array({tx_hash});
  RpcResult<nlohmann::json> raw = co_await call("eth_getTransactionReceipt", params);
  RpcResult<std::optional<chain::EvmReceipt>> out{raw.error, std::move(raw.detail), std::nullopt};
  if (raw.error) co_return out;
  auto parsed = chain::parse_receipt(raw.value);
  if (auto* receipt = std::get_if<chain::EvmReceipt>(&parsed)) {
    // A receipt proves only the transaction it names: one for another (a confused or lying node,
    // a cache keyed wrongly) would let any hash borrow someone else's payment.
    if (receipt->transaction_hash != tx_hash)
      out.error = core::Error::chain_unavailable,
      out.detail = "chain '" + chain_.name + "' answered with the receipt of another transaction (" +
                   (receipt->transaction_hash.empty() ? std::string("none named") : receipt->transaction_hash.substr(0, 66)) + ")";
    else
      out.value = std::move(*receipt);
  } else if (auto* why = std::get_if<std::string>(&parsed)) out.error = core::Error::chain_unavailable, out.detail = "chain '" + chain_.name + "' sent a malformed receipt: " + *why;
  co_return out;
}

awaitable<RpcResult<uint64_t>> EvmRpc::head() {
  const nlohmann::json params = nlohmann::json::array();
  RpcResult<nlohmann::json> raw = co_await call("eth_blockNumber", params);
  RpcResult<uint64_t> out{raw.error, std::move(raw.detail), 0};
  if (raw.error) co_return out;
  if (auto n = chain::parse_quantity(raw.value)) out.value = *n;
  else out.error = core::Error::chain_unavailable, out.detail = "chain '" + chain_.name + "' sent a malformed eth_blockNumber";
  co_return out;
}

awaitable<RpcResult<uint64_t>> EvmRpc::block_time(uint64_t number) {
  const nlohmann::json params = nlohmann::json::array({hex_quantity(number), false});
  RpcResult<nlohmann::json> raw = co_await call("eth_getBlockByNumber", params);
  RpcResult<uint64_t> out{raw.error, std::move(raw.detail), 0};
  if (raw.error) co_return out;
  if (auto t = chain::block_timestamp(raw.value)) out.value = *t;
  else out.error = core::Error::chain_unavailable, out.detail = "chain '" + chain_.name + "' sent no timestamp for block " + std::to_string(number);
  co_return out;
}

}  // namespace x402gw::payment
