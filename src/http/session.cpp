#include "http/session.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include "core/json_text.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "http/forward_auth.hpp"
#include "http/https_redirect.hpp"
#include "http/paid_route.hpp"
#include "http/listener.hpp"
#include "http/proxy_header.hpp"
#include "http/paywall.hpp"
#include "http/replies.hpp"
#include "http/request_checks.hpp"
#include "metrics/access_log.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/acme_challenges.hpp"
#include "net/bounded_read.hpp"
#include "net/client_io.hpp"
#include "net/server_tls.hpp"
#include "payment/discovery.hpp"
#include "peer/forwarded_for.hpp"
#include "routing/decision.hpp"
#include "routing/request_context.hpp"
#include "upstream/proxy.hpp"

namespace x402gw::http {
namespace {

using core::Error;
using Decision = routing::Decision;

// Why a request header could not be read, or nullopt when the client simply went away.
std::optional<core::ErrorReply> header_failure(const error_code& ec, bool partial) {
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::operation_aborted)
    return std::nullopt;
  if (ec == beast::error::timeout) {
    if (!partial) return std::nullopt;  // an idle keep-alive connection: close quietly
    return core::ErrorReply{Error::request_timeout, "the request header did not arrive in time", {}};
  }
  if (ec == bhttp::error::header_limit)
    return core::ErrorReply{Error::header_too_large, "the request header is larger than limits.max_header_bytes", {}};
  if (ec == bhttp::error::body_limit)
    return core::ErrorReply{Error::body_too_large, "the request body is larger than limits.max_request_body", {}};
  return core::ErrorReply{Error::bad_request, "the request is not valid HTTP/1.1: " + ec.message(), {}};
}

// Reads until the buffer holds a complete request header (or more than `limit` bytes of one),
// so that the raw bytes can be checked before Beast parses them. Returns the header's size. Until
// the first byte arrives the connection is idle (`idle_timeout`: keep_alive between requests);
// from the first byte on, the whole header has `header_timeout`, on TLS as on plain TCP.
awaitable<std::tuple<error_code, size_t>> read_raw_header(net::ClientStream& client, beast::flat_buffer& buffer,
                                                          uint64_t limit, net::ClientDeadline& watchdog,
                                                          std::chrono::milliseconds idle_timeout,
                                                          std::chrono::milliseconds header_timeout) {
  bool idle = buffer.size() == 0;
  // One deadline for the whole header: a slow drip of bytes does not extend it.
  watchdog.arm(idle ? idle_timeout : header_timeout);
  for (;;) {
    std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (size_t end = header_end(bytes); end != std::string_view::npos) co_return std::tuple{error_code{}, end};
    // A bare LF never ends in CRLF CRLF: let Beast's parser refuse it now.
    for (size_t lf = bytes.find('\n'); lf != std::string_view::npos; lf = bytes.find('\n', lf + 1))
      if (lf == 0 || bytes[lf - 1] != '\r') co_return std::tuple{error_code{}, size_t{0}};
    const size_t room = buffer.max_size() - std::min(buffer.size(), buffer.max_size());
    if (bytes.size() > limit || room == 0) co_return std::tuple{error_code(bhttp::error::header_limit), size_t{0}};
    auto [ec, n] = co_await client.async_read_some(buffer.prepare(std::min<size_t>(room, 4096)), use_nothrow);
    buffer.commit(n);
    if (ec && watchdog.fired()) co_return std::tuple{error_code(beast::error::timeout), size_t{0}};
    if (ec) co_return std::tuple{ec, size_t{0}};
    if (idle && buffer.size() > 0) {
      idle = false;
      watchdog.arm(header_timeout);
    }
  }
}

// Reads and parses one request header into `parser`. Returns the reply for a header that must be
// refused (the connection then closes), or nothing; `closed` when the client simply went away.
struct HeaderRead {
  std::optional<core::ErrorReply> refusal;
  bool closed = false;
};

awaitable<HeaderRead> read_request_header(net::ClientStream& client, beast::flat_buffer& buffer, net::RequestParser& parser,
                                          net::ClientDeadline& watchdog, const config::Config& config,
                                          std::chrono::milliseconds idle_timeout) {
  auto [raw_ec, raw_size] = co_await read_raw_header(client, buffer, config.limits.max_header_bytes, watchdog, idle_timeout,
                                                     config.timeouts.request_header);
  watchdog.disarm();
  if (!raw_ec && has_obsolete_line_folding(std::string_view(static_cast<const char*>(buffer.data().data()), raw_size)))
    co_return HeaderRead{core::ErrorReply{Error::bad_request, "obsolete line folding in the request header is refused", {}}};
  error_code ec = raw_ec;
  size_t n = 0;
  if (!ec) {
    // The whole header is in the buffer: parse it in place, without another asynchronous
    // operation. Only a header that the raw scan could not delimit (raw_size 0: a bare LF) is
    // left to Beast's reader, which refuses it.
    if (raw_size > 0) {
      // The parser keeps a copy of the head's bytes (net/request_head): the buffer is consumed
      // and reused freely from here on (body reads, 100-continue, the next pipelined request).
      n = parser.parse(std::string_view(static_cast<const char*>(buffer.data().data()), raw_size), ec);
      buffer.consume(n);
    }
    if (raw_size == 0 || ec == bhttp::error::need_more) {
      client.tcp().expires_after(config.timeouts.request_header);
      auto [read_ec, parsed] = co_await net::read_header_bounded(client, buffer, parser);
      client.tcp().expires_never();  // the client's other deadlines are the wheel's (net/client_deadline)
      ec = read_ec;
      n += parsed;
    }
  }
  if (ec) {
    if (auto failure = header_failure(ec, buffer.size() > 0 || n > 0)) co_return HeaderRead{std::move(failure)};
    co_return HeaderRead{std::nullopt, true};
  }
  const auto fields = static_cast<uint64_t>(parser.field_count());
  if (fields > config.limits.max_header_count)
    co_return HeaderRead{core::ErrorReply{Error::header_too_large,
                                          "the request has more than limits.max_header_count (" +
                                              std::to_string(config.limits.max_header_count) + ") header fields",
                                          {}}};
  if (auto problem = framing_problem(parser.fields(), parser.version()))
    co_return HeaderRead{core::ErrorReply{Error::bad_request, "refused: " + *problem, {}}};
  if (!method_is_upper_case(parser.method_string()))
    co_return HeaderRead{core::ErrorReply{
        Error::invalid_method, "methods are case-sensitive: '" + std::string(parser.method_string()) + "' has lower-case letters", {}}};
  if (auto name = duplicate_payment_header(parser.fields()))
    co_return HeaderRead{core::ErrorReply{Error::duplicate_payment_header, "the " + *name + " header was sent more than once", {}}};
  co_return HeaderRead{};
}

// The services and I/O one request is answered with.
struct Session {
  ServerState& state;
  net::WorkerContext& worker;
  peer::IpAddress hop;     // who sent the requests: the socket's peer, or the source a PROXY header named
  std::string hop_text;
  const ListenerInfo& listener;
  bool hop_known = true;   // false: a PROXY header relayed the connection without naming its source
};

// Who one request is for: the hop, or what trusted proxies say in X-Forwarded-For (the access
// log's client and the rate limit's key), and the chain the upstream is told. A client that a
// PROXY header did not name is "unknown": all such clients share one rate-limit bucket, and none
// can name itself another with X-Forwarded-For.
void identify_client(routing::RequestContext& ctx, const Session& session, const config::Config& config,
                     const net::RequestHead& req, const ForwardAuthCall* call) {
  ctx.from_trusted_proxy = session.hop_known && config.trusted_proxies.contains(session.hop);
  // A forward-auth proxy that proved itself with the shared secret is trusted like one in
  // trusted_proxies, for this request.
  peer::TrustedProxies with_hop;
  const peer::TrustedProxies* trusted = &config.trusted_proxies;
  if (call && call->trusted && session.hop_known && !ctx.from_trusted_proxy) {
    with_hop = config.trusted_proxies;
    with_hop.ranges.push_back(peer::Cidr{session.hop, session.hop.v4 ? 32u : 128u});
    trusted = &with_hop;
    ctx.from_trusted_proxy = true;
  }
  if (!session.hop_known) {
    ctx.record.client = "unknown";
    return;
  }
  if (!ctx.from_trusted_proxy) {
    ctx.record.client = session.hop_text;
    ctx.forwarded_chain.push_back(session.hop_text);
    return;
  }
  std::vector<std::string_view> forwarded_for;
  req.for_each("X-Forwarded-For", [&](std::string_view value) { forwarded_for.push_back(value); });
  for (const peer::IpAddress& a : peer::believed_chain(session.hop, forwarded_for, *trusted))
    ctx.forwarded_chain.push_back(a == session.hop ? session.hop_text : a.to_string());
  ctx.record.client = ctx.forwarded_chain.front();
}

// Writes a reply of the gateway's own and records its error code.
awaitable<void> reply_to(routing::RequestContext& ctx, net::ClientIo& io, const core::Reply& reply) {
  ctx.record.error = recorded_error(reply);
  co_await send_reply(io, reply, ctx.head_request);
}

// Answers one request whose header has been read: forwards it, or returns the gateway's own reply.
awaitable<std::optional<core::Reply>> answer(Session& session, routing::RequestContext& ctx, net::ClientIo& io,
                                             const ForwardAuthCall* call) {
  if (call) {
    co_await answer_forward_auth(*call, ctx, io, session.state, session.worker);
    co_return std::nullopt;
  }
  const Decision& d = ctx.decision;
  // ACME validations and https redirects come before routing: no route needs to match them. A
  // target that could not be parsed (empty path) is refused as routing says.
  if (!ctx.target().path.empty() && !d.close) {
    if (session.state.acme_challenges && (ctx.record.method == "GET" || ctx.head_request))
      if (auto token = acme_challenge_token(ctx.target().path))
        if (auto key_authorization = session.state.acme_challenges->http(*token))
          co_return core::DocumentReply{200, std::move(*key_authorization), "text/plain", {}};
    if (session.listener.redirect_https) {
      if (io.body_pending()) io.must_close();
      co_return https_redirect(ctx.host(), ctx.target().path + ctx.target().query,
                               session.state.https_port.load(std::memory_order_relaxed));
    }
  }
  if (d.kind == Decision::Kind::refuse) {
    if (d.close) io.must_close();
    co_return core::ErrorReply{d.error, d.message, {}};
  }
  // The body limit of the route, before any byte of the body is read or anything is paid. Beast
  // checks a declared Content-Length only while parsing the header, against the largest limit.
  if (io.body_pending()) {
    io.parser().body_limit(d.max_request_body);
    if (auto declared = io.parser().content_length(); declared && *declared > d.max_request_body) {
      io.must_close();
      co_return core::ErrorReply{Error::body_too_large, "the request body is larger than this route allows", {}};
    }
  }

  if (d.kind == Decision::Kind::discovery) {
    const std::string base = ctx.config.public_url.empty() ? ctx.scheme() + "://" + ctx.host() : ctx.config.public_url;
    co_return core::DocumentReply{200, core::json_text(payment::discovery_document(ctx.config, base)), "application/json", {}};
  }

  upstream::Proxy proxy(session.worker);
  std::optional<core::Reply> reply;
  if (d.kind == Decision::Kind::forward) {
    const upstream::ForwardOptions none;
    upstream::ForwardResult result = co_await proxy.stream(ctx, io, none);
    if (result.error) {
      if (io.response_started()) io.must_close();
      else reply = core::ErrorReply{*result.error, std::move(result.detail), {}};
    }
  } else {
    reply = co_await run_priced(session.state, session.worker, ctx, io, proxy);
    if (reply) offer_paywall(ctx, io.head().fields(), *reply);  // a browser's navigation gets the page
  }
  co_return reply;
}

// Fills in the record from what the I/O saw, then logs and counts the exchange.
void finish_record(Session& session, routing::RequestContext& ctx, net::ClientIo& io) {
  core::ExchangeRecord& r = ctx.record;
  r.status = io.status;
  r.bytes_sent = io.bytes_sent;
  r.path = ctx.target().path;
  if (ctx.route()) r.route = ctx.route()->name, r.priced = ctx.route()->priced;
  if (ctx.upstream()) r.upstream = ctx.upstream()->name;
  // The first line of a batch schedules the batch's write for after the work ready now.
  if (metrics::AccessLog* log = session.state.access_log; log && log->write(r))
    asio::post(io.stream().get_executor(), [log] { log->flush_thread(); });
  if (session.state.metrics) session.state.metrics->record_exchange(r);
}

// Serves one request whose first bytes have arrived (or are awaited by the header read). Returns
// whether the connection may carry another. Exceptions from the request end it (a 500 when
// nothing was written yet) and the connection, never the process. Everything that lives only for
// one request lives in this frame, which idle connections do not hold.
awaitable<bool> serve_request(Session& session, net::ClientStream& client, beast::flat_buffer& buffer,
                              net::ClientDeadline& watchdog, std::chrono::milliseconds idle_timeout) {
  ServerState& state = session.state;
  config::ConfigPtr config = state.current();
  // The connection's read buffer holds one header and one read more, never what a client sends
  // on and on (an endless chunk-size line is refused by the body reader before it fills this).
  buffer.max_size(net::read_buffer_cap(config->limits.max_header_bytes));
  net::RequestParser parser;
  parser.header_limit(static_cast<uint32_t>(config->limits.max_header_bytes));
  // The largest limit any route has: each route's own limit is applied once it is known.
  parser.body_limit(config->limits.max_request_body_ceiling);
  HeaderRead header = co_await read_request_header(client, buffer, parser, watchdog, *config, idle_timeout);
  // The request is served by the configuration live when it arrived, not when the wait began.
  config = state.current();
  net::ClientIo io(client, buffer, parser, watchdog, config->timeouts.body_io, config->timeouts.request_body);
  io.draining = &state.draining;
  if (header.closed) co_return false;
  if (header.refusal) {
    if (state.metrics) {
      auto limit = metrics::GatewayMetrics::limit_of(core::public_code(header.refusal->error));
      if (!limit.empty()) state.metrics->limit_breach(limit);
    }
    io.must_close();
    io.version = 11;
    co_await send_reply(io, *header.refusal, false);
    co_return false;
  }

  CountGuard in_flight(state.in_flight);
  // The relay buffer is the worker's, lent for this request only: idle connections hold none.
  net::BufferPool::Lease chunk = session.worker.buffers.lease();
  io.chunk = chunk.data();
  io.chunk_size = chunk.size();
  const net::RequestHead& req = parser;
  io.version = req.version();
  io.client_keep_alive = req.keep_alive();
  io.expects_continue = core::iequals(req.value(bhttp::field::expect), "100-continue");
  const routing::RequestHead head{req.method_string(), req.target(), req.value(bhttp::field::host), req.version()};
  // A forward-auth listener routes the request its proxy names, not the call itself.
  std::optional<ForwardAuthCall> call;
  if (session.listener.forward_auth)
    call = forward_auth_call(*config, req, session.hop_known && config->trusted_proxies.contains(session.hop));
  routing::RequestContext ctx{*config, call ? call->decision : routing::decide(head, *config), req.method() == bhttp::verb::head,
                              {}, {}, call ? call->https : client.is_tls()};
  identify_client(ctx, session, *config, req, call ? &*call : nullptr);
  ctx.record.method = std::string(req.method_string());

  std::exception_ptr failure;
  try {
    std::optional<core::Reply> reply = co_await answer(session, ctx, io, call ? &*call : nullptr);
    if (reply) co_await reply_to(ctx, io, *reply);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    core::log_event("error", "request failed with an internal error; the connection is closed",
                    {{"error", what}, {"client", session.hop_text}});
    io.must_close();
    if (!io.response_started()) {
      const core::Reply internal = core::ErrorReply{Error::internal, "the gateway failed to handle this request", {}};
      co_await reply_to(ctx, io, internal);
    }
  }
  finish_record(session, ctx, io);
  co_return io.keep_alive() && !state.draining.load(std::memory_order_relaxed);
}

// Serves requests on a TLS connection until it closes (the connection limits were checked at
// accept: http/listener's admit_connection). A TLS connection keeps its frames while idle: OpenSSL
// may hold decrypted bytes the socket no longer shows, so it cannot wait on the socket alone.
awaitable<void> serve(Session& session, net::ClientStream& client) {
  ServerState& state = session.state;
  beast::flat_buffer buffer;
  net::ClientDeadline watchdog(client.tcp(), session.worker.deadlines);
  bool first = true;
  for (;;) {
    if (state.draining.load(std::memory_order_relaxed)) break;
    const auto timeouts = state.current()->timeouts;
    // Until a request's first byte: request_header for the first request, keep_alive after it.
    const std::chrono::milliseconds idle_timeout = first ? timeouts.request_header : timeouts.keep_alive;
    if (!co_await serve_request(session, client, buffer, watchdog, idle_timeout)) break;
    first = false;
  }
}

// A plain connection, which is all an idle keep-alive connection holds with its socket's reactor
// state and one pending read: no coroutine frame. The frames for serving are made when the first
// bytes of a request arrive, and end when the connection is idle again (bench/README.md measures
// the bytes). Destroyed, it closes the connection and gives its place back.
struct PlainConnection {
  PlainConnection(net::Socket socket, ConnectionSlot slot, const Session& s)
      : stream(std::move(socket)), slot(std::move(slot)), session(s), deadline(stream, session.worker.deadlines) {}
  PlainConnection(const PlainConnection&) = delete;
  PlainConnection& operator=(const PlainConnection&) = delete;
  ~PlainConnection() {
    error_code ignored;
    session.worker.idle_clients.erase(&stream.socket());
    stream.socket().shutdown(net::Socket::shutdown_send, ignored);
    stream.socket().close(ignored);
  }

  net::TcpStream stream;
  ConnectionSlot slot;
  Session session;
  net::ClientDeadline deadline;
  beast::flat_buffer buffer;  // empty (no memory) while idle
  // The first bytes of the next request land here. A read, not a readiness wait: Asio registers
  // a wait with the kernel anew each time (an epoll_ctl), a read it does not. Per connection, as
  // the reactor performs reads of several connections before any handler runs. A request larger
  // than this costs one read more; 256 bytes hold a typical API request's header.
  std::array<char, 256> first_bytes;
  bool first = true;  // no request served yet: the wait is request_header's, not keep_alive's
};

void wait_idle(std::unique_ptr<PlainConnection> c);
void log_connection_failure(const Session& session, const char* what);

// Serves the requests whose bytes have arrived, then hands the connection back to the idle wait.
// Exceptions end the connection, never the process.
awaitable<void> serve_plain(std::unique_ptr<PlainConnection> c) {
  PlainConnection& conn = *c;
  ServerState& state = conn.session.state;
  net::ClientStream client(conn.stream);
  try {
    for (;;) {
      const auto timeouts = state.current()->timeouts;
      const std::chrono::milliseconds idle_timeout = conn.first ? timeouts.request_header : timeouts.keep_alive;
      if (!co_await serve_request(conn.session, client, conn.buffer, conn.deadline, idle_timeout)) co_return;
      conn.first = false;
      if (state.draining.load(std::memory_order_relaxed)) co_return;
      if (conn.buffer.size() == 0) break;  // nothing pipelined: idle
    }
  } catch (const std::exception& e) {
    log_connection_failure(conn.session, e.what());
    co_return;
  } catch (...) {
    log_connection_failure(conn.session, nullptr);
    co_return;
  }
  wait_idle(std::move(c));
}

// Completes the idle wait: the first bytes of a request start serving; an error (the client went
// away, the idle deadline, the drain) closes the connection quietly.
struct IdleRead {
  std::unique_ptr<PlainConnection> c;
  void operator()(const error_code& ec, size_t n) {
    PlainConnection& conn = *c;
    conn.deadline.disarm();
    conn.session.worker.idle_clients.erase(&conn.stream.socket());
    if (ec) return;
    std::memcpy(conn.buffer.prepare(std::max<size_t>(n, 4096)).data(), conn.first_bytes.data(), n);
    conn.buffer.commit(n);
    auto executor = conn.stream.get_executor();
    asio::co_spawn(executor, serve_plain(std::move(c)), asio::detached);
  }
};

// Between requests a plain connection is idle: closed at once when the gateway drains.
void wait_idle(std::unique_ptr<PlainConnection> c) {
  PlainConnection& conn = *c;
  ServerState& state = conn.session.state;
  if (state.draining.load(std::memory_order_relaxed)) return;
  const auto timeouts = state.current()->timeouts;
  conn.buffer.shrink_to_fit();  // empty: its memory goes
  conn.session.worker.idle_clients.insert(&conn.stream.socket());
  conn.deadline.arm(conn.first ? timeouts.request_header : timeouts.keep_alive);
  net::Socket& socket = conn.stream.socket();
  socket.async_read_some(asio::buffer(conn.first_bytes), IdleRead{std::move(c)});
}

// Closes a client connection for good (it is no longer idle, whatever it was).
void close_connection(net::WorkerContext& worker, net::TcpStream& tcp) {
  error_code ignored;
  worker.idle_clients.erase(&tcp.socket());
  tcp.socket().shutdown(net::Socket::shutdown_send, ignored);
  tcp.close();
}

// An exception that ended a connection: logged, never the process's end.
void log_connection_failure(const Session& session, const char* what) {
  core::log_event("error", "connection failed with an internal error",
                  what ? nlohmann::json{{"error", what}, {"client", session.hop_text}} : nlohmann::json{{"client", session.hop_text}});
}

// The TLS handshake under its own deadline; false (counted by reason) when it failed.
awaitable<bool> handshake(net::TlsStream& tls, ServerState& state, std::chrono::milliseconds timeout) {
  tls.next_layer().expires_after(timeout);
  auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::server, use_nothrow);
  tls.next_layer().expires_never();
  if (ec) {
    if (state.metrics) state.metrics->tls_handshake_failure(net::handshake_failure_reason(ec));
    co_return false;
  }
  if (state.metrics) state.metrics->tls_handshake(SSL_session_reused(tls.native_handle()) == 1);
  co_return true;
}

// Whether the handshake chose ACME's protocol: a validation, which carries no HTTP.
bool acme_validation(net::TlsStream& tls) {
  const unsigned char* protocol = nullptr;
  unsigned int size = 0;
  SSL_get0_alpn_selected(tls.native_handle(), &protocol, &size);
  return size == 10 && std::string_view(reinterpret_cast<const char*>(protocol), size) == "acme-tls/1";
}

// Reads the PROXY protocol header of a connection on a proxy_protocol listener and takes the
// client it names. Only a trusted balancer may name the client; anyone else on this listener is
// refused, and so is a connection whose header is missing, malformed or late (the socket is
// closed then, and false returned).
awaitable<bool> accept_proxy_header(net::Socket& socket, Session& session) {
  ServerState& state = session.state;
  auto refuse = [&](const std::string& reason, const std::string& error) {
    if (state.metrics) state.metrics->proxy_protocol_error(reason);
    core::log_event("warn", "PROXY protocol header refused; the connection is closed",
                    {{"peer", session.hop.to_string()}, {"reason", reason}, {"error", error}});
    error_code ignored;
    socket.close(ignored);
  };
  const config::ConfigPtr config = state.current();
  if (!config->trusted_proxies.contains(session.hop)) {
    refuse("untrusted_peer", "the peer is not in trusted_proxies");
    co_return false;
  }
  const std::chrono::milliseconds deadline = config->timeouts.request_header;
  ProxyHeaderRead header = co_await read_proxy_header(socket, deadline);
  if (!header.ok) {
    refuse(header.reason, header.error);
    co_return false;
  }
  // The balancer is trusted to name the client; a header that names none leaves it unknown (it
  // must not inherit the balancer's trust).
  const std::optional<peer::IpAddress> client = peer::client_after(header.header, session.hop);
  session.hop_known = client.has_value();
  if (client) session.hop = *client;
  co_return true;
}

// A TLS connection: the handshake, the requests, then close_notify under a short deadline (a peer
// that does not read cannot hold the connection). The certificate set the connection started
// with stays alive as long as the connection.
awaitable<void> serve_tls(Session& session, net::Socket socket, const ListenerInfo& listener, ConnectionSlot& slot) {
  const std::shared_ptr<net::CertificateSet> certificates = listener.tls->current();
  net::TlsStream tls(std::move(socket), certificates->base());
  net::TcpStream& tcp = tls.next_layer();
  try {
    const bool shook = co_await handshake(tls, session.state, listener.tls->settings().handshake_timeout);
    slot.handshake_done();  // its place in limits.max_tls_handshakes goes to the next connection
    if (shook && !acme_validation(tls)) {
      net::ClientStream client(tls);
      co_await serve(session, client);
      tcp.expires_after(std::chrono::seconds(1));
      co_await tls.async_shutdown(use_nothrow);
    } else if (tcp.socket().is_open()) {
      tcp.expires_after(std::chrono::seconds(1));
      co_await tls.async_shutdown(use_nothrow);
    }
  } catch (...) {
    close_connection(session.worker, tcp);
    throw;
  }
  close_connection(session.worker, tcp);
}

}  // namespace

awaitable<void> run_session(net::Socket socket, ConnectionSlot slot, ServerState& state, net::WorkerContext& worker,
                            const ListenerInfo& listener) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  Session session{state, worker, peer_address(socket), {}, listener};
  try {
    if (listener.proxy_protocol && !co_await accept_proxy_header(socket, session)) co_return;
    session.hop_text = session.hop_known ? session.hop.to_string() : "unknown";
    if (listener.tls) {
      co_await serve_tls(session, std::move(socket), listener, slot);
    } else {
      // This frame ends here: an idle plain connection holds no coroutine frame.
      wait_idle(std::make_unique<PlainConnection>(std::move(socket), std::move(slot), session));
    }
  } catch (const std::exception& e) {
    log_connection_failure(session, e.what());
  } catch (...) {
    log_connection_failure(session, nullptr);
  }
}

}  // namespace x402gw::http
