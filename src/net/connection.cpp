#include "net/connection.hpp"

#include <sys/socket.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace x402gw::net {
namespace {

// A pooled socket the peer has closed (or sent stray bytes on) is no longer usable.
bool still_open(Connection& c) {
  auto& socket = c.tcp().socket();
  if (!socket.is_open()) return false;
  char probe;
  ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;                                            // orderly close
  if (n > 0) return false;                                             // unexpected data
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

}  // namespace

awaitable<std::pair<std::unique_ptr<Connection>, ConnectFailure>> open_connection(
    const Url& url, const config::TlsClient& tls, std::chrono::milliseconds timeout, TlsContexts& contexts) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  using Result = std::pair<std::unique_ptr<Connection>, ConnectFailure>;

  tcp::resolver resolver(executor);
  asio::steady_timer timer(executor, timeout);
  auto raced = co_await (resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow) ||
                         timer.async_wait(use_nothrow));
  if (raced.index() == 1) co_return Result{nullptr, ConnectFailure::timeout};
  auto [resolve_ec, endpoints] = std::get<0>(std::move(raced));
  if (resolve_ec) co_return Result{nullptr, ConnectFailure::resolve};

  beast::tcp_stream tcp_stream(executor);
  tcp_stream.expires_at(timer.expiry());
  auto [connect_ec, endpoint] = co_await tcp_stream.async_connect(endpoints, use_nothrow);
  if (connect_ec)
    co_return Result{nullptr, connect_ec == beast::error::timeout ? ConnectFailure::timeout : ConnectFailure::refused};
  tcp_stream.socket().set_option(tcp::no_delay(true));

  if (!url.tls) {
    tcp_stream.expires_never();
    co_return Result{std::make_unique<Connection>(std::move(tcp_stream)), ConnectFailure::none};
  }

  Connection::Secure secure(std::move(tcp_stream), contexts.get(tls));
  const std::string& name = tls.server_name.empty() ? url.host : tls.server_name;
  if (!SSL_set_tlsext_host_name(secure.native_handle(), name.c_str())) co_return Result{nullptr, ConnectFailure::tls};
  if (!tls.insecure_skip_verify) secure.set_verify_callback(asio::ssl::host_name_verification(name));
  auto [handshake_ec] = co_await secure.async_handshake(asio::ssl::stream_base::client, use_nothrow);
  if (handshake_ec)
    co_return Result{nullptr, handshake_ec == beast::error::timeout ? ConnectFailure::timeout : ConnectFailure::tls};
  beast::get_lowest_layer(secure).expires_never();
  co_return Result{std::make_unique<Connection>(std::move(secure)), ConnectFailure::none};
}

std::unique_ptr<Connection> ConnectionPool::take(const std::string& key, std::chrono::milliseconds max_idle_age, bool probe) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  auto now = std::chrono::steady_clock::now();
  while (!list.empty()) {
    std::unique_ptr<Connection> c = std::move(list.back());
    list.pop_back();
    if (now - c->idle_since <= max_idle_age && (probe ? still_open(*c) : c->tcp().socket().is_open())) {
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
  list.push_back(std::move(c));
}

}  // namespace x402gw::net
