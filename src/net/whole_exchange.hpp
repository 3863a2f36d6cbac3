#pragma once
// One attempt of a small request/answer exchange on a pooled connection, for pooled_exchange():
// the whole request written, then the whole answer read into a fresh parser, both under one
// deadline. The facilitator client and the chain JSON-RPC client share it.
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <optional>

#include "net/pooled_exchange.hpp"
#include "net/small_answer.hpp"

namespace x402gw::net {

/// An answer's parser (status, Retry-After, string body), made afresh for each attempt.
using AnswerParser = std::optional<SmallAnswer>;

/// Writes `req` and reads the answer into `parser` (emplaced here, body at most `body_limit`).
awaitable<Attempt> write_then_read(Connection& conn, const bhttp::request<bhttp::string_body>& req, AnswerParser& parser,
                                   uint64_t body_limit, std::chrono::steady_clock::time_point deadline);

}  // namespace x402gw::net
