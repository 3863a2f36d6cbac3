#include "http/session.hpp"

#include <array>
#include <optional>

#include "http/access_log.hpp"
#include "http/local_reply.hpp"
#include "http/read_watchdog.hpp"
#include "http/request_checks.hpp"
#include "metrics/gateway_metrics.hpp"
#include "payment/discovery.hpp"
#include "payment/flow.hpp"
#include "routing/path.hpp"
#include "upstream/proxy.hpp"

namespace x402gw::http {
namespace {

namespace bhttp = ::boost::beast::http;
using http_errors::Failure;

// A reply for a request that could not even be parsed: written raw, then the connection closes.
awaitable<void> send_raw_failure(beast::tcp_stream& client, Failure failure, std::string_view message,
                                 std::chrono::milliseconds timeout) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(http_errors::status_of(failure)), 11};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = http_errors::error_body(http_errors::code_of(failure), message);
  res.keep_alive(false);
  res.prepare_payload();
  client.expires_after(timeout);
  co_await bhttp::async_write(client, res, use_nothrow);
}

// Why a request header could not be read, or nullopt when the client simply went away.
std::optional<std::pair<Failure, std::string>> header_failure(const error_code& ec, bool partial) {
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::operation_aborted)
    return std::nullopt;
  if (ec == beast::error::timeout) {
    if (!partial) return std::nullopt;  // an idle keep-alive connection: close quietly
    return std::pair{Failure::request_timeout, std::string("the request header did not arrive in time")};
  }
  if (ec == bhttp::error::header_limit)
    return std::pair{Failure::header_too_large, std::string("the request header is larger than limits.max_header_bytes")};
  if (ec == bhttp::error::body_limit)
    return std::pair{Failure::body_too_large, std::string("the request body is larger than limits.max_request_body")};
  return std::pair{Failure::bad_request, "the request is not valid HTTP/1.1: " + ec.message()};
}

// Reads until the buffer holds a complete request header (or more than `limit` bytes of one),
// so that the raw bytes can be checked before Beast parses them. Returns the header's size.
awaitable<std::tuple<error_code, size_t>> read_raw_header(beast::tcp_stream& client, beast::flat_buffer& buffer,
                                                          uint64_t limit, ReadWatchdog& watchdog,
                                                          std::chrono::milliseconds timeout) {
  watchdog.arm(timeout);  // one deadline for the whole header: a slow drip of bytes does not extend it
  for (;;) {
    std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (size_t end = header_end(bytes); end != std::string_view::npos) co_return std::tuple{error_code{}, end};
    // A bare LF never ends in CRLF CRLF: let Beast's parser refuse it now.
    for (size_t lf = bytes.find('\n'); lf != std::string_view::npos; lf = bytes.find('\n', lf + 1))
      if (lf == 0 || bytes[lf - 1] != '\r') co_return std::tuple{error_code{}, size_t{0}};
    if (bytes.size() > limit) co_return std::tuple{error_code(bhttp::error::header_limit), size_t{0}};
    auto [ec, n] = co_await client.async_read_some(buffer.prepare(4096), use_nothrow);
    buffer.commit(n);
    if (ec && watchdog.fired()) co_return std::tuple{error_code(beast::error::timeout), size_t{0}};
    if (ec) co_return std::tuple{ec, size_t{0}};
  }
}

awaitable<void> forward_free(Exchange& ex) {
  upstream::ForwardOptions none;
  auto result = co_await upstream::forward_streaming(ex, none);
  if (result.failure && !result.response_started) co_await send_failure(ex, *result.failure, result.detail);
}

awaitable<void> handle(Exchange& ex) {
  auto& req = ex.request();
  ex.client_version = req.version();
  ex.client_keep_alive = req.keep_alive();
  ex.head_request = req.method() == bhttp::verb::head;
  ex.expects_continue = beast::iequals(req[bhttp::field::expect], "100-continue");

  if (req.method() == bhttp::verb::connect) {
    co_await send_failure(ex, Failure::bad_request, "CONNECT is not supported: this is a reverse proxy");
    co_return;
  }
  auto target = routing::normalise_target(req.target(), ex.config.limits.max_target_bytes);
  if (auto* error = std::get_if<routing::TargetError>(&target)) {
    ex.close_connection = true;
    const Failure failure = *error == routing::TargetError::too_long ? Failure::target_too_long : Failure::invalid_target;
    co_await send_failure(ex, failure, routing::describe(*error));
    co_return;
  }
  ex.target = std::get<routing::Target>(std::move(target));
  ex.host = !ex.target.authority.empty() ? ex.target.authority : std::string(req[bhttp::field::host]);
  if (ex.host.empty() && ex.client_version == 11) {
    co_await send_failure(ex, Failure::bad_request, "an HTTP/1.1 request needs a Host header");
    co_return;
  }

  if (ex.config.discovery && ex.target.match_key == "/.well-known/x402" &&
      (req.method() == bhttp::verb::get || ex.head_request)) {
    const std::string base = ex.config.public_url.empty() ? "http://" + ex.host : ex.config.public_url;
    std::string body = payment::discovery_document(ex.config, base).dump();
    const std::string_view type = "application/json";
    co_await send_local(ex, 200, std::move(body), type);
    co_return;
  }

  auto index = ex.config.table.find(req.method_string(), ex.host, ex.target.match_key);
  if (!index) {
    if (ex.config.unmatched == config::Unmatched::not_found) {
      const std::string message = "no route matches " + std::string(req.method_string()) + " " + ex.target.path;
      co_await send_failure(ex, Failure::route_not_found, message);
      co_return;
    }
    ex.upstream = &ex.config.upstreams.at(ex.config.default_upstream);
    co_await forward_free(ex);
    co_return;
  }
  ex.route = &ex.config.routes[*index];
  ex.upstream = &ex.config.upstreams.at(ex.route->upstream);
  if (!ex.route->priced) {
    co_await forward_free(ex);
    co_return;
  }
  co_await payment::handle_priced(ex);
}

std::string peer_address(const tcp::socket& socket) {
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

}  // namespace

awaitable<void> run_session(tcp::socket socket, ServerState& state, net::WorkerContext& worker) {
  const auto open = state.open_connections.fetch_add(1, std::memory_order_relaxed);
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  const std::string client_ip = peer_address(socket);
  beast::tcp_stream client(std::move(socket));
  if (auto config = state.current(); static_cast<uint64_t>(open) >= config->limits.max_connections) {
    if (state.metrics) state.metrics->limit_breach("connections");
    const std::string message = "the gateway holds limits.max_connections connections; try again shortly";
    co_await send_raw_failure(client, Failure::too_many_connections, message, std::chrono::seconds(1));
    client.close();
    state.open_connections.fetch_sub(1, std::memory_order_relaxed);
    co_return;
  }
  beast::flat_buffer buffer;
  ReadWatchdog watchdog(client);
  bool first = true;

  for (;;) {
    config::ConfigPtr config = state.current();
    RequestParser parser;
    parser.header_limit(static_cast<uint32_t>(config->limits.max_header_bytes));
    parser.body_limit(config->limits.max_request_body);
    if (state.draining.load(std::memory_order_relaxed)) break;
    worker.idle_clients.insert(&client);
    const auto header_timeout = first ? config->timeouts.request_header : config->timeouts.keep_alive;
    auto [raw_ec, raw_size] = co_await read_raw_header(client, buffer, config->limits.max_header_bytes, watchdog, header_timeout);
    watchdog.disarm();
    worker.idle_clients.erase(&client);
    // The request is served by the configuration live when it arrived, not when the wait began.
    config = state.current();
    if (!raw_ec && has_obsolete_line_folding(std::string_view(static_cast<const char*>(buffer.data().data()), raw_size))) {
      co_await send_raw_failure(client, Failure::bad_request, "obsolete line folding in the request header is refused",
                                config->timeouts.body_io);
      break;
    }
    error_code ec = raw_ec;
    size_t n = 0;
    if (!ec) {
      // The whole header is in the buffer: parse it in place, without another asynchronous
      // operation. Only a header that the raw scan could not delimit (raw_size 0: a bare LF) is
      // left to Beast's reader, which refuses it.
      error_code parse_ec;
      if (raw_size > 0) {
        n = parser.put(buffer.data(), parse_ec);
        buffer.consume(n);
      }
      if (raw_size == 0 || parse_ec == bhttp::error::need_more) {
        client.expires_after(config->timeouts.request_header);
        auto [read_ec, parsed] = co_await bhttp::async_read_header(client, buffer, parser, use_nothrow);
        parse_ec = read_ec;
        n += parsed;
      }
      ec = parse_ec;
    }
    if (!ec) {
      const auto fields = static_cast<uint64_t>(std::distance(parser.get().begin(), parser.get().end()));
      if (fields > config->limits.max_header_count) {
        if (state.metrics) state.metrics->limit_breach("header");
        const std::string message = "the request has more than limits.max_header_count (" +
                                    std::to_string(config->limits.max_header_count) + ") header fields";
        co_await send_raw_failure(client, Failure::header_too_large, message, config->timeouts.body_io);
        break;
      }
      if (auto problem = framing_problem(parser.get(), parser.get().version())) {
        const std::string message = "refused: " + *problem;
        co_await send_raw_failure(client, Failure::bad_request, message, config->timeouts.body_io);
        break;
      }
    }
    if (ec) {
      if (auto failure = header_failure(ec, buffer.size() > 0 || n > 0)) {
        if (state.metrics) {
          auto limit = metrics::GatewayMetrics::limit_of(http_errors::code_of(failure->first));
          if (!limit.empty()) state.metrics->limit_breach(limit);
        }
        co_await send_raw_failure(client, failure->first, failure->second, config->timeouts.body_io);
      }
      break;
    }

    state.in_flight.fetch_add(1, std::memory_order_relaxed);
    // The relay buffer is the worker's, lent for this request only: idle connections hold none.
    net::BufferPool::Lease chunk = worker.buffers.lease();
    Exchange ex{client, buffer, parser, *config, worker, state.metrics, chunk.data(), chunk.size()};
    ex.client_ip = client_ip;
    ex.draining = &state.draining;
    ex.replay_guard = state.replay_guard;
    ex.challenge_limiter = state.challenge_limiter;
    ex.watchdog = &watchdog;
    ex.method = std::string(parser.get().method_string());
    co_await handle(ex);
    if (state.access_log) state.access_log->write(ex);
    if (state.metrics) state.metrics->record_exchange(ex);
    state.in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (!ex.keep_alive() || state.draining.load(std::memory_order_relaxed)) break;
    // A request body may have grown the read buffer to a relay chunk; an idle connection keeps
    // no more than a header's worth.
    if (buffer.size() == 0 && buffer.capacity() > 8 * 1024) buffer.shrink_to_fit();
    first = false;
  }
  client.socket().shutdown(tcp::socket::shutdown_send, ignored);
  client.close();
  state.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace x402gw::http
