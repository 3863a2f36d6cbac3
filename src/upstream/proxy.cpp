#include "upstream/proxy.hpp"

#include <functional>
#include <memory>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "net/bounded_read.hpp"
#include "net/head_writer.hpp"
#include "net/pooled_exchange.hpp"
#include "net/write_now.hpp"
#include "net/request_body.hpp"
#include "upstream/forwarded_head.hpp"
#include "upstream/headers.hpp"
#include "upstream/relay.hpp"
#include "upstream/response_head.hpp"

namespace x402gw::upstream {
namespace {

using core::Error;
using ResponseParser = bhttp::response_parser<bhttp::buffer_body>;
using Clock = std::chrono::steady_clock;

ForwardResult fail(Error e, std::string detail) { return ForwardResult{e, std::move(detail)}; }

std::chrono::microseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t);
}

// Methods whose request may be sent twice without a second effect (RFC 9110 section 9.2.2).
bool idempotent(bhttp::verb method) {
  using bhttp::verb;
  return method == verb::get || method == verb::head || method == verb::options || method == verb::trace ||
         method == verb::put || method == verb::delete_;
}

// What the upstream is told of the request: the client's head with the gateway's edits
// (upstream/forwarded_head), in HTTP/1.1 with keep-alive. `target` must outlive the edits.
ForwardEdits forward_edits(routing::RequestContext& ctx, const ForwardOptions& options, const std::string& target) {
  const config::Upstream& up = *ctx.upstream();
  ForwardEdits e;
  e.target = target;
  // With preserve_host the upstream sees the host routing used (an absolute-form authority
  // replaces the client's Host), never another one.
  e.host_header = up.preserve_host && !ctx.host().empty() ? ctx.host() : up.url.host_header();
  e.chain = &ctx.forwarded_chain;
  e.from_trusted_proxy = ctx.from_trusted_proxy;
  e.proto = ctx.tls ? "https" : "http";
  e.client_host = ctx.host();
  e.forward_payment_header = ctx.route() && ctx.route()->forward_payment_header;
  e.reserved = &ctx.config.reserved_headers;
  e.request_headers = &options.request_headers;
  if (options.body) e.content_length = options.body->size();
  return e;
}

// The upstream half of an exchange: the connection and a parsed response header.
struct UpstreamReply {
  std::unique_ptr<net::Connection> connection;
  std::unique_ptr<ResponseHead> head;      // a relayable head parsed in place (its bytes still buffered), or
  size_t head_size = 0;
  std::unique_ptr<ResponseParser> parser;  // the head as Beast's message
  bool upstream_keep_alive = false;
  ForwardResult result;
};

std::string transport_detail(const config::Upstream& up, Error e, const net::TransportFailure& f) {
  switch (e) {
    case Error::upstream_connect_timeout: return "connecting to upstream '" + up.name + "' timed out";
    case Error::upstream_tls: return "TLS handshake with upstream '" + up.name + "' failed";
    case Error::upstream_resolve:
    case Error::upstream_connect: return "cannot connect to upstream '" + up.name + "'";
    default:
      if (f.phase == net::Phase::write) return "writing the request to upstream '" + up.name + "' failed: " + f.ec.message();
      return "reading the response of upstream '" + up.name + "' failed: " + f.ec.message();
  }
}

// Whether `bytes` holds, at `from` or after, a line feed with no carriage return before it.
bool bare_lf_from(std::string_view bytes, size_t from) {
  for (size_t lf = bytes.find('\n', from); lf != std::string_view::npos; lf = bytes.find('\n', lf + 1))
    if (lf == 0 || bytes[lf - 1] != '\r') return true;
  return false;
}

// Reads an upstream's response head into `conn.buffer` (no more than Beast's default header limit)
// and parses it in place. Returns the failure of the read, if any; `head` stays null when the
// answer is not relayable from its bytes (Beast's parser then reads the same bytes).
awaitable<net::TransportFailure> read_relayable_head(net::Connection& conn, bool head_request, UpstreamReply& reply,
                                                     const std::function<void()>& arm) {
  static constexpr size_t kHeadLimit = net::kResponseHeaderLimit;
  size_t scanned = 0;
  for (;;) {
    const std::string_view bytes(static_cast<const char*>(conn.buffer.data().data()), conn.buffer.size());
    if (const size_t end = bytes.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0); end != std::string_view::npos) {
      auto head = std::make_unique<ResponseHead>();
      error_code ec;
      const size_t used = head->parse(bytes.substr(0, end + 4), ec);
      if (!ec && relayable(*head, head_request)) {
        reply.head = std::move(head);
        reply.head_size = used;
      }
      co_return net::TransportFailure{};
    }
    // A bare LF never ends in CRLF CRLF: Beast's parser refuses it now, not at the upstream's timeout.
    if (bare_lf_from(bytes, scanned)) co_return net::TransportFailure{};
    const size_t room = conn.buffer.max_size() - std::min(conn.buffer.size(), conn.buffer.max_size());
    if (bytes.size() > kHeadLimit || room == 0) co_return net::TransportFailure{};  // Beast's parser reports it
    scanned = bytes.size();
    arm();
    auto [ec, n] = co_await net::with_stream(
        conn, [&](auto& s) { return s.async_read_some(conn.buffer.prepare(std::min<size_t>(room, 4096)), use_nothrow); });
    conn.buffer.commit(n);
    if (ec == asio::error::eof)  // as Beast's reader says it
      ec = conn.buffer.size() > 0 ? error_code(bhttp::error::partial_message) : error_code(bhttp::error::end_of_stream);
    if (ec) co_return net::TransportFailure{net::Phase::read, conn.deadline.as_timeout(ec)};
  }
}

// Sends the request (header, then the body: from memory, or streamed from the client) and reads
// the response header. The first piece of a streamed body is read before a byte goes upstream, so
// that a malformed start (a bad chunk size, a body over the limit) is refused with nothing
// forwarded. A stale pooled connection is replaced once, as net::pooled_exchange allows.
awaitable<UpstreamReply> send_request(net::WorkerContext& worker, routing::RequestContext& ctx, net::ClientIo& io,
                                      const ForwardOptions& options, bool relay_in_place) {
  UpstreamReply reply;
  const config::Upstream& up = *ctx.upstream();
  const std::string target = up.url.base_path + ctx.target().path + ctx.target().query;
  ForwardEdits edits = forward_edits(ctx, options, target);
  const bool streams_body = !options.body && io.body_pending();

  // A streamed body is read before a byte goes upstream: whole when it fits the request's
  // buffering limit (the upstream then sees the request only once its body has arrived, with a
  // Content-Length), else its first piece, so that a malformed start is refused with nothing
  // forwarded. Either way the bytes wait in the relay buffer.
  size_t preloaded = 0;
  bool buffered_whole = false;
  if (streams_body) {
    if (co_await io.send_continue()) {
      reply.result = fail(Error::client_gone, "the client went away");
      co_return reply;
    }
    const size_t buffering = static_cast<size_t>(std::min<uint64_t>(ctx.config.limits.request_buffering, io.chunk_size));
    const auto declared = io.parser().content_length();
    const bool try_whole = buffering > 0 && (!declared || *declared <= buffering);
    auto& body = io.parser().body();
    // While trying for the whole body, the parser gets room for `buffering` bytes only: a chunked
    // body of exactly that size is whole once its last chunk arrives (waited for), and one more
    // byte of data is the parser's need_buffer, which streams the body.
    const size_t room = try_whole ? buffering : io.chunk_size;
    for (;;) {
      body.data = io.chunk + preloaded;
      body.size = room - preloaded;
      io.arm_read();
      auto [ec, n] = co_await net::read_some_bounded(io.stream(), io.buffer(), io.parser());
      io.end_read();
      if (ec && ec != bhttp::error::need_buffer) {
        io.must_close();
        net::BodyFailure f = net::body_failure(io, ec);
        reply.result = fail(f.error, f.message);
        co_return reply;
      }
      preloaded = room - body.size;
      if (!try_whole || io.parser().is_done() || ec == bhttp::error::need_buffer) break;
    }
    if (try_whole && io.parser().is_done()) {
      // The whole body is here: sent with a Content-Length (trailers never join the head).
      buffered_whole = true;
      edits.content_length = preloaded;
    }
  }
  std::optional<net::BodyFailure> client_failure;
  auto arm_upstream = [&](net::Connection& conn) { worker.deadlines.arm(conn.deadline, up.timeout); };
  auto attempt = [&](net::Connection& conn) -> awaitable<net::Attempt> {
    net::Attempt a;
    // The head by hand, sent with the body (or its first piece) in one gathered write, into a
    // string of the worker's that keeps its capacity from request to request.
    auto head_text = worker.strings.lease();
    std::string& head = *head_text;
    append_forwarded_head(head, io.head(), edits);
    if (streams_body && !buffered_whole) {
      uint64_t sent = 0;
      const Framing framing{head, io.parser().chunked()};
      auto err = co_await net::with_stream(conn, [&](auto& s) {
        return relay_body(io.stream(), io.buffer(), io.parser(), s, net::plain_socket(s), framing, io.chunk, io.chunk_size,
                          sent, [&] { io.arm_read(); }, [&] { arm_upstream(conn); }, preloaded);
      });
      io.end_read();
      if (err) {
        // The upstream connection is dropped mid-request: it never receives a complete request.
        io.must_close();
        if (err.side == RelayError::read) client_failure = net::body_failure(io, err.ec);
        a.failure = {net::Phase::write, conn.deadline.as_timeout(err.ec)};
        a.request_written = true;  // the client's body is consumed: it cannot be sent again
        co_return a;
      }
    } else {
      net::Pieces pieces{asio::buffer(head)};
      size_t count = 1;
      if (options.body && !options.body->empty()) pieces[count++] = asio::buffer(*options.body);
      if (buffered_whole && preloaded > 0) pieces[count++] = asio::buffer(io.chunk, preloaded);
      auto [wec, wn] = co_await net::with_stream(
          conn, [&](auto& s) { return net::write_all(s, net::plain_socket(s), pieces, count, [&] { arm_upstream(conn); }); });
      if (wec) {
        a.failure = {net::Phase::write, conn.deadline.as_timeout(wec)};
        a.request_written = wn > head.size();  // part of the body went: no second try with this body
        co_return a;
      }
    }
    a.request_written = true;
    if (relay_in_place) {
      const std::function<void()> arm = [&] { arm_upstream(conn); };
      net::TransportFailure failure = co_await read_relayable_head(conn, ctx.head_request, reply, arm);
      if (failure.ec) {
        a.failure = failure;
        a.answer_started = conn.buffer.size() > 0;
        co_return a;
      }
      if (reply.head) {
        reply.upstream_keep_alive = reply.head->keep_alive();
        co_return a;
      }
    }
    // Read the response header, passing over interim 1xx answers.
    for (;;) {
      reply.parser = std::make_unique<ResponseParser>();
      reply.parser->body_limit(boost::none);
      if (ctx.head_request) reply.parser->skip(true);
      arm_upstream(conn);
      auto [rec, rn] = co_await net::with_stream(conn, [&](auto& s) { return net::read_header_bounded(s, conn.buffer, *reply.parser); });
      if (rec) {
        a.failure = {net::Phase::read, conn.deadline.as_timeout(rec)};
        a.answer_started = rn > 0;
        co_return a;
      }
      const unsigned status = reply.parser->get().result_int();
      if (status >= 200 || status == 101) {
        reply.upstream_keep_alive = reply.parser->get().keep_alive() && status != 101;
        co_return a;
      }
    }
  };

  const bool has_body = streams_body || (options.body && !options.body->empty());
  const auto resend = !has_body && idempotent(io.head().method()) ? net::Resend::if_unanswered : net::Resend::if_unsent;
  const net::Origin origin{&up.url, &up.tls, up.connect_timeout, &up.pool_key, up.idle_timeout};
  net::PooledResult pooled = co_await net::pooled_exchange(worker.upstreams, worker.tls, origin, resend, true, attempt);
  if (client_failure) {
    reply.result = fail(client_failure->error, client_failure->message);
    co_return reply;
  }
  if (!pooled.connection) {
    const Error e = net::transport_error(net::Side::upstream, pooled.failure);
    reply.result = fail(e, transport_detail(up, e, pooled.failure));
    reply.parser.reset();
    co_return reply;
  }
  // The gateway strips Upgrade (hop-by-hop) and relays no protocol switch: a 101 switches nothing
  // on the client's side. Relayed, it would tell the client, and any proxy in front that tunnels on
  // a 101, that the connection is no longer HTTP while the gateway goes on reading requests from
  // it. The upstream connection is dropped with it.
  if (reply.parser && reply.parser->get().result_int() == 101) {
    reply.parser.reset();
    reply.result = fail(Error::upstream_bad_response, "upstream '" + up.name + "' answered 101 Switching Protocols; the gateway relays no upgrade");
    co_return reply;
  }
  reply.connection = std::move(pooled.connection);
  co_return reply;
}

void prepare_response(net::ClientIo& io, bhttp::response_header<>& res, const core::Headers& headers,
                      std::span<const std::string_view> strip = {}) {
  remove_hop_by_hop(res);
  for (std::string_view name : strip) res.erase(name);
  for (const auto& [name, value] : headers) res.set(name, value);
  res.version(io.version);
}

// A connection goes back to the pool only after a complete response the upstream did not end
// with "Connection: close".
void return_to_pool(net::WorkerContext& worker, const config::Upstream& up, UpstreamReply& reply, bool complete) {
  if (reply.connection && reply.upstream_keep_alive && complete)
    worker.upstreams.put(up.pool_key, std::move(reply.connection), up.max_idle_connections);
}

// Answers that never carry a body, whatever their header says (RFC 9112 section 6.3).
bool bodiless(const routing::RequestContext& ctx, unsigned status) {
  return ctx.head_request || status == 204 || status == 304 || status / 100 == 1;
}

// An upstream answer refused for its chunk framing (an endless chunk-size line or trailer
// section): the upstream is at fault, and the operator should hear of it.
ForwardResult framing_refused(const config::Upstream& up, const error_code& ec) {
  core::log_event("warn", "upstream response refused: its chunk framing is over the gateway's bounds",
                  {{"upstream", up.name}, {"error", ec.message()}});
  return fail(Error::upstream_bad_response, "upstream '" + up.name + "' sent a response refused for its chunk framing: " + ec.message());
}

// A relay error with the upstream's read deadline told as a timeout (the client's write
// deadline needs no such telling: a broken write only closes the client's connection).
RelayError upstream_side(const net::Connection& conn, RelayError err) {
  if (err.side == RelayError::read) err.ec = conn.deadline.as_timeout(err.ec);
  return err;
}

// A relay that stopped part-way: the client connection cannot carry another response. A broken
// upstream is an error for the log; a client that went away is not. When nothing reached the
// client yet, the status is taken back, so that the client gets the gateway's 502 instead.
ForwardResult broken_off(net::ClientIo& io, const config::Upstream& up, const RelayError& err, uint64_t sent_before) {
  io.must_close();
  if (err.side != RelayError::read) return ForwardResult{};
  if (io.bytes_sent == sent_before) io.status = 0;
  if (net::is_framing_error(err.ec)) return framing_refused(up, err.ec);
  return fail(net::transport_error(net::Side::upstream, {net::Phase::read, err.ec}),
              "upstream '" + up.name + "' broke off its response");
}

// Relays an answer read as Beast's message (interim, chunked, close-delimited, bodiless, HEAD).
// Its own coroutine so that Proxy::stream's frame, which every proxied request allocates, stays
// small enough for Asio's frame recycling (at most 1020 bytes; its locals made it 1056).
awaitable<ForwardResult> relay_message(net::WorkerContext& worker, routing::RequestContext& ctx, net::ClientIo& io,
                                       const ForwardOptions& options, UpstreamReply& reply) {
  const config::Upstream& up = *ctx.upstream();
  net::Connection& conn = *reply.connection;
  auto arm_in = [&] { worker.deadlines.arm(conn.deadline, up.timeout); };
  auto arm_out = [&] { io.arm_write(); };
  auto& res = reply.parser->get();

  prepare_response(io, res, options.response_headers, options.strip_response_headers);
  const unsigned status = res.result_int();
  if (bodiless(ctx, status)) {
    // The header alone: a chunked serializer would add a last-chunk no client expects.
    if (status == 204) {
      res.erase(bhttp::field::transfer_encoding);
      res.erase(bhttp::field::content_length);
    }
    res.keep_alive(io.keep_alive());
    io.status = status;
    std::string head;
    net::append_response_head(head, res);
    const net::Pieces pieces{asio::buffer(head)};
    co_await io.write_raw(status, pieces, 1);
    return_to_pool(worker, up, reply, reply.parser->is_done());
    co_return ForwardResult{};
  }

  const bool close_delimited = reply.parser->need_eof();
  if (io.version == 10 && (res.chunked() || close_delimited)) {
    // An HTTP/1.0 client cannot read chunks: send the body raw and mark its end by closing.
    res.chunked(false);
    io.must_close();
  } else if (close_delimited) {
    res.chunked(true);
  }
  res.keep_alive(io.keep_alive());
  io.status = status;

  std::string head;
  net::append_response_head(head, res);
  RelayError err;
  bool complete = false;
  const uint64_t sent_before = io.bytes_sent;
  if (const auto length = reply.parser->content_length(); length && !res.chunked()) {
    // A body of known length passes through as bytes: no parser, no copy between buffers.
    err = co_await net::with_stream(conn, [&](auto& s) {
      return relay_exact(s, conn.buffer, *length, io.stream(), io.stream().plain_socket(), head, io.chunk, io.chunk_size,
                         io.bytes_sent, arm_in, arm_out);
    });
    complete = !err;
  } else {
    const Framing framing{head, res.chunked()};
    err = co_await net::with_stream(conn, [&](auto& s) {
      return relay_body(s, conn.buffer, *reply.parser, io.stream(), io.stream().plain_socket(), framing, io.chunk,
                        io.chunk_size, io.bytes_sent, arm_in, arm_out);
    });
    complete = !err && reply.parser->is_done();
  }
  if (err) co_return broken_off(io, up, upstream_side(conn, err), sent_before);
  return_to_pool(worker, up, reply, complete);
  co_return ForwardResult{};
}

}  // namespace

awaitable<ForwardResult> Proxy::stream(routing::RequestContext& ctx, net::ClientIo& io, const ForwardOptions& options) {
  const auto started = Clock::now();
  const config::Upstream& up = *ctx.upstream();
  UpstreamReply reply = co_await send_request(worker_, ctx, io, options, true);
  if (!reply.connection) co_return reply.result;
  net::Connection& conn = *reply.connection;
  ctx.record.upstream_time = since(started);
  if (!reply.head) co_return co_await relay_message(worker_, ctx, io, options, reply);
  auto arm_in = [&] { worker_.deadlines.arm(conn.deadline, up.timeout); };
  auto arm_out = [&] { io.arm_write(); };
  // The common answer, relayed from its bytes: the head written from the parsed views, then
  // the body of known length as bytes.
  const unsigned status = reply.head->status();
  const uint64_t length = *reply.head->content_length();
  auto head_text = worker_.strings.lease();  // keeps its capacity from request to request
  std::string& head = *head_text;
  append_relayed_head(head, *reply.head, io.version, options.response_headers, io.keep_alive(), options.strip_response_headers);
  reply.head.reset();
  conn.buffer.consume(reply.head_size);
  io.status = status;
  const uint64_t sent_before = io.bytes_sent;
  RelayError err = co_await net::with_stream(conn, [&](auto& s) {
    return relay_exact(s, conn.buffer, length, io.stream(), io.stream().plain_socket(), head, io.chunk, io.chunk_size,
                       io.bytes_sent, arm_in, arm_out);
  });
  if (err) co_return broken_off(io, up, upstream_side(conn, err), sent_before);
  return_to_pool(worker_, up, reply, true);
  co_return ForwardResult{};
}

awaitable<HeldResult> Proxy::hold(routing::RequestContext& ctx, net::ClientIo& io, const ForwardOptions& options,
                                  uint64_t limit) {
  const auto started = Clock::now();
  const config::Upstream& up = *ctx.upstream();
  HeldResult held;
  UpstreamReply reply = co_await send_request(worker_, ctx, io, options, false);
  if (!reply.connection) {
    held.result = reply.result;
    co_return held;
  }
  net::Connection& conn = *reply.connection;
  const std::string too_large =
      "the upstream's response is larger than limits.max_buffered_response; use settlement: before for this route";

  // Same header, now read into a string body with a size limit. Beast checks a declared
  // Content-Length against the limit only while parsing the header, which happened before the
  // limit applied: check it here. Chunked bodies are checked as they come.
  bhttp::response_parser<bhttp::string_body> body_parser{std::move(*reply.parser)};
  body_parser.body_limit(limit);
  if (auto declared = body_parser.content_length(); declared && *declared > limit) {
    held.result = fail(Error::upstream_response_too_large, too_large);
    co_return held;
  }
  // Trailers are not merged into the held header: a trailer never becomes a header field.
  const net::TrailerGuard trailers(body_parser.get());
  while (!body_parser.is_done()) {
    worker_.deadlines.arm(conn.deadline, up.timeout);
    auto [read_ec, n] = co_await net::with_stream(conn, [&](auto& s) { return net::read_some_bounded(s, conn.buffer, body_parser); });
    const error_code ec = conn.deadline.as_timeout(read_ec);
    if (ec == bhttp::error::body_limit) {
      held.result = fail(Error::upstream_response_too_large, too_large);
      co_return held;
    }
    if (net::is_framing_error(ec)) {
      held.result = framing_refused(up, ec);
      co_return held;
    }
    if (ec) {
      held.result = fail(net::transport_error(net::Side::upstream, {net::Phase::read, ec}),
                         "upstream '" + up.name + "' broke off its response");
      co_return held;
    }
  }
  ctx.record.upstream_time = since(started);
  // Kept apart for the paid flow: a metered answer may name its charge in a trailer.
  held.trailers = trailers.added(body_parser.get());
  trailers.drop(body_parser.get());
  held.response = body_parser.release();
  return_to_pool(worker_, up, reply, true);
  co_return held;
}

awaitable<void> Proxy::release(routing::RequestContext& ctx, net::ClientIo& io, HeldResponse& response,
                               const core::Headers& headers) {
  prepare_response(io, response, headers);
  response.erase(bhttp::field::transfer_encoding);
  response.keep_alive(io.keep_alive());
  const unsigned status = response.result_int();
  if (status == 204 || status == 304) {
    response.erase(bhttp::field::content_length);
    response.body().clear();
  } else if (!ctx.head_request) {
    response.prepare_payload();  // HEAD keeps the upstream's Content-Length; there is no body to frame
  }
  // The head written by hand (the bytes Beast's serializer writes) and the held body after it, in
  // one gathered write: the paid path's answer takes the free path's writer.
  std::string head;
  net::append_response_head(head, response);
  const net::Pieces pieces{asio::buffer(head), asio::buffer(response.body())};
  co_await io.write_raw(status, pieces, 2);
}

}  // namespace x402gw::upstream
