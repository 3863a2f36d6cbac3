#include "facilitator/client.hpp"

#include <boost/beast/http/string_body.hpp>

namespace x402gw::facilitator {
namespace {

namespace bhttp = ::boost::beast::http;
using http_errors::Failure;


bool is_stale_connection_error(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

// Maps a non-2xx status whose body was not understood.
RawReply status_failure(RawReply reply) {
  if (reply.status == 429) {
    reply.failure = Failure::facilitator_rate_limited;
    reply.detail = "the facilitator is rate limiting (429)";
  } else {
    reply.failure = Failure::facilitator_error;
    reply.detail = "the facilitator answered HTTP " + std::to_string(reply.status);
  }
  return reply;
}

}  // namespace

awaitable<RawReply> call(const config::Facilitator& f, net::WorkerContext& worker, bhttp::verb method,
                         const std::string& path, const std::string& body) {
  RawReply reply;
  const auto deadline = std::chrono::steady_clock::now() + f.timeout;
  bhttp::request<bhttp::string_body> req{method, f.url.base_path + path, 11};
  req.set(bhttp::field::host, f.url.host_header());
  req.set(bhttp::field::user_agent, "x402-gateway");
  req.set(bhttp::field::accept, "application/json");
  for (const auto& [name, value] : f.headers) req.set(name, value);
  if (method != bhttp::verb::get) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<net::Connection> conn = attempt == 0 ? worker.facilitators.take(f.pool_key, std::chrono::seconds(30), true) : nullptr;
    if (!conn) {
      auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const auto connect_timeout = std::min(remaining, f.connect_timeout);
      auto [fresh, failure] = co_await net::open_connection(f.url, f.tls, connect_timeout, worker.tls);
      if (failure == net::ConnectFailure::timeout) {
        reply.failure = remaining <= f.connect_timeout ? Failure::facilitator_timeout : Failure::facilitator_unavailable;
        reply.detail = "connecting to facilitator '" + f.name + "' timed out";
        co_return reply;
      }
      if (failure != net::ConnectFailure::none) {
        reply.failure = Failure::facilitator_unavailable;
        reply.detail = failure == net::ConnectFailure::tls ? "TLS handshake with facilitator '" + f.name + "' failed"
                                                           : "cannot connect to facilitator '" + f.name + "'";
        co_return reply;
      }
      conn = std::move(fresh);
    }

    conn->tcp().expires_at(deadline);
    auto [wec, wn] = co_await net::with_stream(*conn, [&](auto& s) { return bhttp::async_write(s, req, use_nothrow); });
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1024 * 1024);
    error_code rec = wec;
    size_t read_bytes = 0;
    if (!wec) {
      conn->tcp().expires_at(deadline);
      auto [ec, n] = co_await net::with_stream(*conn, [&](auto& s) { return bhttp::async_read(s, conn->buffer, parser, use_nothrow); });
      rec = ec;
      read_bytes = n;
    }
    if (rec) {
      if (conn->reused && attempt == 0 && read_bytes == 0 && (wec || is_stale_connection_error(rec))) continue;
      if (rec == beast::error::timeout) {
        reply.failure = Failure::facilitator_timeout;
        reply.detail = "facilitator '" + f.name + "' did not answer " + path + " within " + std::to_string(f.timeout.count()) + "ms";
      } else if (is_stale_connection_error(rec) || wec) {
        reply.failure = Failure::facilitator_unavailable;
        reply.detail = "facilitator '" + f.name + "' closed the connection during " + path;
      } else {
        reply.failure = Failure::facilitator_bad_response;
        reply.detail = "facilitator '" + f.name + "' sent a malformed HTTP answer to " + path + ": " + rec.message();
      }
      co_return reply;
    }
    reply.status = parser.get().result_int();
    reply.body = std::move(parser.get().body());
    if (parser.get().keep_alive())
      worker.facilitators.put(f.pool_key, std::move(conn), f.max_idle_connections);
    co_return reply;
  }
  reply.failure = Failure::facilitator_unavailable;
  reply.detail = "facilitator '" + f.name + "' is not reachable";
  co_return reply;
}

namespace {

// POSTs `body` to `path` and reads the answer with `parse`. The body is read whatever the status:
// some facilitators answer an invalid payment or a failed settlement with 4xx and a proper body.
template <class Result, class Parse>
awaitable<Outcome<Result>> post(const config::Facilitator& f, net::WorkerContext& worker, const std::string& path,
                                const std::string& body, Parse parse) {
  Outcome<Result> out;
  RawReply raw = co_await call(f, worker, bhttp::verb::post, path, body);
  if (raw.failure) {
    out.failure = raw.failure;
    out.detail = std::move(raw.detail);
    co_return out;
  }
  if (auto parsed = parse(raw.body)) {
    out.result = std::move(*parsed);
    co_return out;
  }
  if (raw.status / 100 != 2) {
    RawReply mapped = status_failure(std::move(raw));
    out.failure = mapped.failure;
    out.detail = std::move(mapped.detail);
  } else {
    out.failure = Failure::facilitator_bad_response;
    out.detail = "facilitator '" + f.name + "' answered " + path + " with a body of the wrong shape";
  }
  co_return out;
}

}  // namespace

awaitable<VerifyOutcome> verify(const config::Facilitator& f, net::WorkerContext& worker, const std::string& body) {
  const std::string path = "/verify";
  co_return co_await post<x402::VerifyResult>(f, worker, path, body, x402::parse_verify_response);
}

awaitable<SettleOutcome> settle(const config::Facilitator& f, net::WorkerContext& worker, const std::string& body) {
  const std::string path = "/settle";
  co_return co_await post<x402::SettleResult>(f, worker, path, body, x402::parse_settle_response);
}

}  // namespace x402gw::facilitator
