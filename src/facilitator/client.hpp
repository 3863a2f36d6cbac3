#pragma once
// The facilitator's HTTP API over pooled connections: /verify, /settle, /supported. One deadline
// covers each whole call (connect, write, read); a stale pooled connection is replaced once.
#include <optional>
#include <string>

#include "config/config.hpp"
#include "http/errors.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"
#include "x402/facilitator_messages.hpp"

namespace x402gw::facilitator {

/// A raw HTTP exchange with the facilitator.
struct RawReply {
  std::optional<http_errors::Failure> failure;  // transport failure: no usable answer
  std::string detail;
  unsigned status = 0;
  std::string body;
};

/// Sends one request to `{url}{path}` and reads the answer.
awaitable<RawReply> call(const config::Facilitator& f, net::WorkerContext& worker, ::boost::beast::http::verb method,
                         const std::string& path, const std::string& body);

/// The outcome of a call: the facilitator's answer, or the failure that prevented one.
template <class Result>
struct Outcome {
  std::optional<http_errors::Failure> failure;
  std::string detail;
  Result result;
};

using VerifyOutcome = Outcome<x402::VerifyResult>;
using SettleOutcome = Outcome<x402::SettleResult>;

/// POST /verify with a prepared body.
awaitable<VerifyOutcome> verify(const config::Facilitator& f, net::WorkerContext& worker, const std::string& body);

/// POST /settle with a prepared body.
awaitable<SettleOutcome> settle(const config::Facilitator& f, net::WorkerContext& worker, const std::string& body);

}  // namespace x402gw::facilitator
