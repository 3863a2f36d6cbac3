#pragma once
// One request/response exchange on a client connection: what the session read, what routing
// decided, and what happened (for the access log and metrics).
#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "http/forward.hpp"
#include "http/errors.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"
#include "routing/path.hpp"


namespace x402gw::http {

using RequestParser = ::boost::beast::http::request_parser<::boost::beast::http::buffer_body>;

/// The state of one exchange, owned by the session coroutine.
struct Exchange {
  beast::tcp_stream& client;
  beast::flat_buffer& buffer;
  RequestParser& parser;
  const config::Config& config;
  net::WorkerContext& worker;
  metrics::GatewayMetrics* metrics = nullptr;

  char* chunk;                            // the relay buffer lent to this request
  size_t chunk_size;

  routing::Target target;
  std::string host;                       // the Host the client addressed
  std::string client_ip;
  const config::Route* route = nullptr;   // null when no route matched
  const config::Upstream* upstream = nullptr;
  const std::atomic<bool>* draining = nullptr;  // the server is shutting down: close after this exchange
  unsigned client_version = 11;           // 10 or 11, as the client sent it
  bool client_keep_alive = true;          // what the client asked for, before headers are rewritten
  bool head_request = false;
  bool expects_continue = false;          // "Expect: 100-continue" not answered yet
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  payment::ReplayGuard* replay_guard = nullptr;
  RateLimiter* challenge_limiter = nullptr;
  ReadWatchdog* watchdog = nullptr;     // deadlines on client reads (see read_watchdog.hpp)

  /// Arms the client read deadline for a body read.
  void arm_body_read();
  /// Whether a client read error was the body deadline passing.
  bool body_read_timed_out(const error_code& ec) const;

  // Outcome.
  std::string method;
  unsigned status = 0;
  bool challenged = false;                // a 402 challenge was sent
  bool verified = false;                  // the facilitator said the payment is valid
  uint64_t bytes_sent = 0;
  bool close_connection = false;          // the connection cannot carry another request
  std::string failure_code;               // set for local error replies
  std::string payment;                    // "none", "challenged", "rejected", "settled", ...
  std::string payer, network, asset, amount, transaction;
  std::chrono::microseconds upstream_time{0}, facilitator_time{0};

  ::boost::beast::http::request<::boost::beast::http::buffer_body>& request() { return parser.get(); }
  /// Whether the client asked for, and may get, another request on this connection.
  bool keep_alive() const {
    return client_keep_alive && !close_connection && !(draining && draining->load(std::memory_order_relaxed));
  }
  /// Whether the request has a body that has not been read yet.
  bool body_pending() const { return !parser.is_done(); }
};

}  // namespace x402gw::http
