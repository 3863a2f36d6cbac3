#pragma once
// The plain record of one finished exchange: what the access log writes and what metrics count.
// Strings and numbers only, so that metrics/ needs nothing of the session that filled it in.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/outcome.hpp"

namespace x402gw::core {

/// What happened to one request.
struct ExchangeRecord {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string client;               // the client's address
  std::string method;
  std::string path;                 // canonical path, or "" when the target was refused
  std::string route;                // route name, "" when none matched
  bool priced = false;              // the route is priced
  std::string upstream;             // upstream name, "" when none was used
  unsigned status = 0;
  uint64_t bytes_sent = 0;
  std::string error;                // the public code of a local error reply, else ""
  PaymentOutcome payment = PaymentOutcome::none;
  bool challenged = false;          // a 402 challenge went out
  bool paywall = false;             // ... as the paywall page, to a browser
  bool verified = false;            // the facilitator said the payment is valid
  std::string payer, network, asset, amount, transaction;
  std::chrono::microseconds upstream_time{0};
  std::chrono::microseconds facilitator_time{0};
};

}  // namespace x402gw::core
