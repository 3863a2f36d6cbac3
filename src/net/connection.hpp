#pragma once
// An outgoing HTTP/1.1 connection (plain TCP or TLS) with its read buffer, and a per-thread pool
// of idle ones. Used for upstreams and facilitators alike.
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "net/asio.hpp"
#include "net/chunk_framing.hpp"
#include "net/socket_deadline.hpp"
#include "net/tls.hpp"
#include "net/tls_settings.hpp"
#include "net/url.hpp"
#include "net/transport_error.hpp"

namespace x402gw::net {

/// One outgoing connection.
struct Connection {
  using Plain = net::TcpStream;
  using Secure = beast::ssl_stream<net::TcpStream>;

  explicit Connection(Plain s) : stream(std::move(s)) {}
  explicit Connection(Secure s) : stream(std::move(s)) {}

  std::variant<Plain, Secure> stream;
  // Bytes read past the last message stay here. Bounded: a response header and one read more
  // (net/chunk_framing); an upstream's endless chunk-size line is refused, never buffered.
  beast::flat_buffer buffer{read_buffer_cap(kResponseHeaderLimit)};
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;                // taken from the pool rather than freshly connected
  /// The deadline of the exchange's reads and writes (the worker's wheel; Beast's own stream
  /// timeout is used only to connect).
  SocketDeadline deadline{tcp().socket()};

  /// The TCP layer.
  net::TcpStream& tcp() {
    if (auto* p = std::get_if<Plain>(&stream)) return *p;
    return beast::get_lowest_layer(std::get<Secure>(stream));
  }
};

/// Calls `f(stream)` with the concrete stream type. `f` must return an awaitable that the caller
/// co_awaits in the same full-expression (so a capturing lambda outlives its coroutine).
template <class F>
auto with_stream(Connection& c, F&& f) {
  if (auto* p = std::get_if<Connection::Plain>(&c.stream)) return f(*p);
  return f(std::get<Connection::Secure>(c.stream));
}

/// Resolves, connects (within `timeout`) and, for https, handshakes with SNI and name checks.
/// On failure the connection is null and the failure says in which phase.
awaitable<std::pair<std::unique_ptr<Connection>, TransportFailure>> open_connection(
    const Url& url, const TlsClient& tls, std::chrono::milliseconds timeout, TlsContexts& contexts);

/// Idle connections by origin, for one worker thread (no locking: a worker's coroutines share a thread).
class ConnectionPool {
 public:
  /// An idle connection to `key` not older than `max_idle_age`, or null. Every connection is
  /// checked before it is handed out, whatever the request: one with bytes waiting (an answer it
  /// was not asked for, or bytes past the last answer's end) or closed by the peer is closed and
  /// skipped. Bytes waiting would otherwise be read as the next request's answer: another
  /// client's. (One non-blocking peek: a syscall per reuse.)
  std::unique_ptr<Connection> take(const std::string& key, std::chrono::milliseconds max_idle_age,
                                   std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  /// Returns a connection whose last exchange ended cleanly; drops it if `limit` are idle already.
  void put(const std::string& key, std::unique_ptr<Connection> c, size_t limit);
  /// Closes every idle connection.
  void clear() { idle_.clear(); }
  /// Idle connections held for `key` (for tests and metrics).
  size_t idle(const std::string& key) const {
    auto it = idle_.find(key);
    return it == idle_.end() ? 0 : it->second.size();
  }

 private:
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace x402gw::net
