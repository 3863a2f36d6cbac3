#include "upstream/proxy.hpp"

#include <memory>

#include "upstream/headers.hpp"
#include "upstream/relay.hpp"

namespace x402gw::upstream {
namespace {

namespace bhttp = ::boost::beast::http;
using http_errors::Failure;
using ResponseParser = bhttp::response_parser<bhttp::buffer_body>;

void prepare_request(http::Exchange& ex, const ForwardOptions& options) {
  auto& req = ex.request();
  const config::Upstream& up = *ex.upstream;
  remove_hop_by_hop(req);
  req.erase(bhttp::field::expect);  // the gateway answers 100-continue itself
  if (!(ex.route && ex.route->forward_payment_header)) {
    req.erase("X-PAYMENT");
    req.erase("PAYMENT-SIGNATURE");
  }
  // The payer header is the gateway's word; a client must not be able to forge it.
  req.erase("X-Payment-Payer");
  if (ex.route && !ex.route->payer_header.empty()) req.erase(ex.route->payer_header);
  add_forwarded(req, ex.client_ip, "http", ex.host);
  if (!up.preserve_host) req.set(bhttp::field::host, up.url.host_header());
  for (const auto& [name, value] : options.request_headers) req.set(name, value);
  req.target(up.url.base_path + ex.target.path + ex.target.query);
  req.version(11);
  req.keep_alive(true);
}

// What the upstream half of an exchange produced: the connection and a parsed response header.
struct UpstreamReply {
  std::unique_ptr<net::Connection> connection;
  std::unique_ptr<ResponseParser> parser;
  bool upstream_keep_alive = false;
  ForwardResult result;
};

Failure read_failure(const error_code& ec) {
  if (ec == beast::error::timeout) return Failure::upstream_timeout;
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe || ec == asio::error::operation_aborted)
    return Failure::upstream_reset;
  return Failure::upstream_bad_response;
}

ForwardResult fail(Failure f, std::string detail) { return ForwardResult{f, std::move(detail), false}; }

// A pooled connection is probed for a close by the peer only when the request has a body: a
// bodiless request that finds its connection closed is simply sent again on a new one.
awaitable<std::unique_ptr<net::Connection>> acquire(http::Exchange& ex, ForwardResult& result, bool allow_pool, bool probe) {
  const config::Upstream& up = *ex.upstream;
  if (allow_pool)
    if (auto c = ex.worker.upstreams.take(up.pool_key, up.idle_timeout, probe)) co_return c;
  auto [c, failure] = co_await net::open_connection(up.url, up.tls, up.connect_timeout, ex.worker.tls);
  switch (failure) {
    case net::ConnectFailure::none: break;
    case net::ConnectFailure::timeout:
      result = fail(Failure::upstream_timeout, "connecting to upstream '" + up.name + "' timed out");
      break;
    case net::ConnectFailure::tls:
      result = fail(Failure::upstream_unavailable, "TLS handshake with upstream '" + up.name + "' failed");
      break;
    default:
      result = fail(Failure::upstream_unavailable, "cannot connect to upstream '" + up.name + "'");
  }
  co_return std::move(c);
}

// Sends the request (header, then the body streamed from the client) and reads the response
// header. A pooled connection that turns out to be closed is replaced once, if nothing of the
// client's body has been consumed yet.
// The failure for a client-side error while reading a request body.
ForwardResult client_body_failure(const http::Exchange& ex, const error_code& ec) {
  if (ec == bhttp::error::body_limit) return fail(Failure::body_too_large, "the request body is larger than this route allows");
  if (ex.body_read_timed_out(ec)) return fail(Failure::request_timeout, "the client sent its request body too slowly");
  return fail(Failure::bad_request, "the request body could not be read: " + ec.message());
}

awaitable<UpstreamReply> send_request(http::Exchange& ex, const ForwardOptions& options) {
  UpstreamReply reply;
  const config::Upstream& up = *ex.upstream;
  prepare_request(ex, options);
  const bool has_body = !ex.parser.is_done();
  if (has_body && ex.route && ex.route->max_request_body) {
    ex.parser.body_limit(ex.route->max_request_body);
    // Beast compares a declared Content-Length with the limit only while parsing the header.
    if (auto declared = ex.parser.content_length(); declared && *declared > ex.route->max_request_body) {
      ex.close_connection = true;
      reply.result = fail(Failure::body_too_large, "the request body is larger than this route allows");
      co_return reply;
    }
  }

  // Read the first piece of the body before a byte goes upstream, so that a malformed start
  // (a bad chunk size, a body over the limit) is refused with nothing forwarded.
  size_t preloaded = 0;
  if (has_body) {
    if (ex.expects_continue) {
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      ex.client.expires_after(ex.config.timeouts.body_io);
      co_await asio::async_write(ex.client, asio::buffer(kContinue, sizeof kContinue - 1), use_nothrow);
      ex.expects_continue = false;
    }
    auto& body = ex.request().body();
    body.data = ex.chunk;
    body.size = ex.chunk_size;
    ex.arm_body_read();
    auto [ec, n] = co_await bhttp::async_read_some(ex.client, ex.buffer, ex.parser, use_nothrow);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      ex.close_connection = true;
      reply.result = client_body_failure(ex, ec);
      co_return reply;
    }
    preloaded = ex.chunk_size - body.size;
  }

  for (int attempt = 0; attempt < 2; ++attempt) {
    reply.connection = co_await acquire(ex, reply.result, attempt == 0, has_body);
    if (!reply.connection) co_return reply;
    net::Connection& conn = *reply.connection;
    auto arm_upstream = [&] { conn.tcp().expires_after(up.timeout); };

    bhttp::serializer<true, bhttp::buffer_body> serializer{ex.request()};
    arm_upstream();
    auto [hec, hn] = co_await net::with_stream(conn, [&](auto& s) { return bhttp::async_write_header(s, serializer, use_nothrow); });
    if (hec) {
      if (conn.reused && attempt == 0) continue;
      reply.result = fail(read_failure(hec), "writing the request to upstream '" + up.name + "' failed: " + hec.message());
      co_return reply;
    }
    uint64_t sent = 0;
    auto err = co_await net::with_stream(conn, [&](auto& s) {
      return relay_body(ex.client, ex.buffer, ex.parser, s, serializer, ex.chunk, ex.chunk_size, sent,
                        [&] { ex.arm_body_read(); }, arm_upstream, preloaded);
    });
    if (err) {
      // The upstream connection is dropped mid-request: it never receives a complete request.
      ex.close_connection = true;
      reply.result = err.side == RelayError::write
                         ? fail(read_failure(err.ec), "sending the request body to upstream '" + up.name + "' failed")
                         : client_body_failure(ex, err.ec);
      reply.connection.reset();
      co_return reply;
    }

    // Read the response header, passing over interim 1xx answers.
    for (;;) {
      reply.parser = std::make_unique<ResponseParser>();
      reply.parser->body_limit(boost::none);
      if (ex.head_request) reply.parser->skip(true);
      arm_upstream();
      auto [rec, rn] = co_await net::with_stream(conn, [&](auto& s) { return bhttp::async_read_header(s, conn.buffer, *reply.parser, use_nothrow); });
      if (rec) {
        if (conn.reused && attempt == 0 && !has_body && rn == 0 && read_failure(rec) == Failure::upstream_reset) break;
        reply.result = fail(read_failure(rec), "reading the response of upstream '" + up.name + "' failed: " + rec.message());
        reply.connection.reset();
        co_return reply;
      }
      unsigned status = reply.parser->get().result_int();
      if (status >= 200 || status == 101) {
        reply.upstream_keep_alive = reply.parser->get().keep_alive() && status != 101;
        co_return reply;
      }
    }
  }
  co_return reply;
}

void prepare_response(http::Exchange& ex, bhttp::response_header<>& res, const HeaderList& headers) {
  remove_hop_by_hop(res);
  for (const auto& [name, value] : headers) res.set(name, value);
  res.version(ex.client_version);
}

// A connection goes back to the pool only after a complete response the upstream did not end
// with "Connection: close".
void return_to_pool(http::Exchange& ex, UpstreamReply& reply, bool response_complete) {
  if (reply.connection && reply.upstream_keep_alive && response_complete)
    ex.worker.upstreams.put(ex.upstream->pool_key, std::move(reply.connection), ex.upstream->max_idle_connections);
}

}  // namespace

awaitable<ForwardResult> forward_streaming(http::Exchange& ex, const ForwardOptions& options) {
  auto started = std::chrono::steady_clock::now();
  UpstreamReply reply = co_await send_request(ex, options);
  if (!reply.connection) co_return reply.result;
  net::Connection& conn = *reply.connection;
  auto& res = reply.parser->get();
  ex.upstream_time = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);

  bool close_delimited = reply.parser->need_eof();
  prepare_response(ex, res, options.response_headers);
  if (ex.client_version == 10 && (res.chunked() || close_delimited)) {
    // An HTTP/1.0 client cannot read chunks: send the body raw and mark its end by closing.
    res.chunked(false);
    ex.close_connection = true;
  } else if (close_delimited && !ex.head_request) {
    res.chunked(true);
  }
  res.keep_alive(ex.keep_alive());
  ex.status = res.result_int();

  bhttp::serializer<false, bhttp::buffer_body> serializer{res};
  ForwardResult result;
  result.response_started = true;
  auto err = co_await net::with_stream(conn, [&](auto& s) {
    return relay_body(s, conn.buffer, *reply.parser, ex.client, serializer, ex.chunk, ex.chunk_size, ex.bytes_sent,
                      [&] { conn.tcp().expires_after(ex.upstream->timeout); },
                      [&] { ex.client.expires_after(ex.config.timeouts.body_io); });
  });
  if (err) {
    ex.close_connection = true;
    if (err.side == RelayError::read)
      result.failure = read_failure(err.ec), result.detail = "upstream '" + ex.upstream->name + "' broke off its response";
    co_return result;
  }
  return_to_pool(ex, reply, reply.parser->is_done());
  co_return result;
}

awaitable<std::pair<ForwardResult, BufferedResponse>> forward_buffered(http::Exchange& ex, const ForwardOptions& options,
                                                                      uint64_t limit) {
  auto started = std::chrono::steady_clock::now();
  UpstreamReply reply = co_await send_request(ex, options);
  BufferedResponse response;
  if (!reply.connection) co_return std::pair{reply.result, std::move(response)};
  net::Connection& conn = *reply.connection;

  // Same header, now read into a string body with a size limit.
  bhttp::response_parser<bhttp::string_body> body_parser{std::move(*reply.parser)};
  // Beast checks a declared Content-Length against the limit only while parsing the header, which
  // happened before the limit was known here: check it now. Chunked bodies are checked as they come.
  body_parser.body_limit(limit);
  if (auto declared = body_parser.content_length(); declared && *declared > limit)
    co_return std::pair{fail(Failure::upstream_response_too_large,
                             "the upstream's response is larger than limits.max_buffered_response; use settlement: before for this route"),
                        std::move(response)};
  while (!body_parser.is_done()) {
    conn.tcp().expires_after(ex.upstream->timeout);
    auto [ec, n] = co_await net::with_stream(conn, [&](auto& s) { return bhttp::async_read_some(s, conn.buffer, body_parser, use_nothrow); });
    if (ec == bhttp::error::body_limit)
      co_return std::pair{fail(Failure::upstream_response_too_large,
                               "the upstream's response is larger than limits.max_buffered_response; use settlement: before for this route"),
                          std::move(response)};
    if (ec) co_return std::pair{fail(read_failure(ec), "upstream '" + ex.upstream->name + "' broke off its response"), std::move(response)};
  }
  ex.upstream_time = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  response = body_parser.release();
  return_to_pool(ex, reply, body_parser.is_done());
  co_return std::pair{ForwardResult{}, std::move(response)};
}

awaitable<void> send_buffered(http::Exchange& ex, BufferedResponse& response, const HeaderList& headers) {
  prepare_response(ex, response, headers);
  response.erase(bhttp::field::transfer_encoding);
  response.keep_alive(ex.keep_alive());
  if (ex.head_request) {
    // Keep the upstream's Content-Length for HEAD; there is no body to frame.
  } else {
    response.prepare_payload();
  }
  ex.status = response.result_int();
  ex.client.expires_after(ex.config.timeouts.body_io);
  auto [ec, n] = co_await bhttp::async_write(ex.client, response, use_nothrow);
  ex.bytes_sent += n;
  if (ec) ex.close_connection = true;
}

}  // namespace x402gw::upstream
