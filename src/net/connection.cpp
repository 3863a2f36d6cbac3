#include "net/connection.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "net/peek.hpp"

namespace x402gw::net {
namespace {

// A pooled connection is usable only when it is open and nothing is waiting to be read: not on the
// socket, and for TLS not in OpenSSL's buffers either (bytes it has taken off the socket already).
bool usable(Connection& c) {
  if (auto* secure = std::get_if<Connection::Secure>(&c.stream); secure && SSL_has_pending(secure->native_handle()) == 1)
    return false;
  return peek(c.tcp().socket()) == PeerState::idle;
}

}  // namespace

awaitable<std::pair<std::unique_ptr<Connection>, TransportFailure>> open_connection(
    const Url& url, const TlsClient& tls, std::chrono::milliseconds timeout, TlsContexts& contexts) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  using Result = std::pair<std::unique_ptr<Connection>, TransportFailure>;
  auto fail = [](Phase phase, error_code ec) { return Result{nullptr, TransportFailure{phase, ec}}; };

  net::Resolver resolver(executor);
  net::Timer timer(executor, timeout);
  auto raced = co_await (resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow) ||
                         timer.async_wait(use_nothrow));
  if (raced.index() == 1) co_return fail(Phase::resolve, beast::error::timeout);
  auto [resolve_ec, endpoints] = std::get<0>(std::move(raced));
  if (resolve_ec) co_return fail(Phase::resolve, resolve_ec);

  net::TcpStream tcp_stream(executor);
  tcp_stream.expires_at(timer.expiry());
  auto [connect_ec, endpoint] = co_await tcp_stream.async_connect(endpoints, use_nothrow);
  if (connect_ec) co_return fail(Phase::connect, connect_ec);
  tcp_stream.socket().set_option(tcp::no_delay(true));

  if (!url.tls) {
    tcp_stream.expires_never();
    co_return Result{std::make_unique<Connection>(std::move(tcp_stream)), TransportFailure{}};
  }

  asio::ssl::context* context = nullptr;
  try {
    context = &contexts.get(tls);
  } catch (const std::exception&) {  // an unreadable CA file: refused at load, but never fatal here
    co_return fail(Phase::tls, asio::error::no_protocol_option);
  }
  Connection::Secure secure(std::move(tcp_stream), *context);
  const std::string& name = tls.server_name.empty() ? url.host : tls.server_name;
  if (!SSL_set_tlsext_host_name(secure.native_handle(), name.c_str())) co_return fail(Phase::tls, asio::error::invalid_argument);
  if (!tls.insecure_skip_verify) secure.set_verify_callback(asio::ssl::host_name_verification(name));
  auto [handshake_ec] = co_await secure.async_handshake(asio::ssl::stream_base::client, use_nothrow);
  if (handshake_ec) co_return fail(Phase::tls, handshake_ec);
  beast::get_lowest_layer(secure).expires_never();
  co_return Result{std::make_unique<Connection>(std::move(secure)), TransportFailure{}};
}

std::unique_ptr<Connection> ConnectionPool::take(const std::string& key, std::chrono::milliseconds max_idle_age,
                                                 std::chrono::steady_clock::time_point now) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  while (!list.empty()) {
    std::unique_ptr<Connection> c = std::move(list.back());
    list.pop_back();
    if (now - c->idle_since <= max_idle_age && usable(*c)) {
      c->reused = true;
      return c;
    }
  }
  return nullptr;
}

void ConnectionPool::put(const std::string& key, std::unique_ptr<Connection> c, size_t limit) {
  auto& list = idle_[key];
  if (list.size() >= limit || c->buffer.size() != 0) return;  // leftover bytes: the stream is out of step
  c->idle_since = std::chrono::steady_clock::now();
  c->tcp().expires_never();
  c->deadline.disarm();
  list.push_back(std::move(c));
}

}  // namespace x402gw::net
