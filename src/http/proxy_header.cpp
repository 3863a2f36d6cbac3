#include "http/proxy_header.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <vector>

namespace x402gw::http {
namespace {

// Cancels the socket's pending operation when the deadline passes. The handler may run after the
// reader is gone (queued just before the cancel): it holds its state by shared pointer, and the
// reader clears the socket pointer when it ends.
struct Deadline {
  struct State {
    net::Socket* socket;
    bool fired = false;
  };
  std::shared_ptr<State> state;
  net::Timer timer;

  Deadline(net::Socket& socket, std::chrono::milliseconds timeout)
      : state(std::make_shared<State>(State{&socket})), timer(socket.get_executor()) {
    timer.expires_after(timeout);
    timer.async_wait([s = state](const error_code& ec) {
      if (ec || !s->socket) return;
      s->fired = true;
      error_code ignored;
      s->socket->cancel(ignored);
    });
  }
  ~Deadline() {
    state->socket = nullptr;
    timer.cancel();
  }
};

ProxyHeaderRead failed(const error_code& ec, bool fired) {
  ProxyHeaderRead r;
  if (fired) r.reason = "timeout", r.error = "the PROXY header did not arrive in time";
  else if (ec == asio::error::eof || ec == asio::error::connection_reset) r.reason = "closed", r.error = "the peer closed before a complete PROXY header";
  else r.reason = "read_error", r.error = ec.message();
  return r;
}

}  // namespace

awaitable<ProxyHeaderRead> read_proxy_header(net::Socket& socket, std::chrono::milliseconds timeout) {
  Deadline deadline(socket, timeout);
  std::string received;  // header bytes consumed so far
  std::vector<char> peeked(peer::proxy_v2_max_size);
  for (;;) {
    auto [ec, n] = co_await socket.async_receive(asio::buffer(peeked), net::Socket::message_peek, use_nothrow);
    if (ec) co_return failed(ec, deadline.state->fired);
    const size_t before = received.size();
    received.append(peeked.data(), n);
    peer::ProxyParse parse = peer::parse_proxy_header(received);
    if (parse.status == peer::ProxyParse::Status::invalid) {
      ProxyHeaderRead r;
      r.reason = std::move(parse.reason);
      r.error = std::move(parse.error);
      co_return r;
    }
    // Consume what belongs to the header: all that was peeked while it is incomplete, else up to its end.
    const size_t take = parse.status == peer::ProxyParse::Status::complete ? parse.size - before : n;
    auto [read_ec, got] = co_await asio::async_read(socket, asio::buffer(peeked.data(), take), use_nothrow);
    if (read_ec) co_return failed(read_ec, deadline.state->fired);
    if (parse.status == peer::ProxyParse::Status::complete) {
      ProxyHeaderRead r;
      r.ok = true;
      r.header = parse.header;
      co_return r;
    }
  }
}

}  // namespace x402gw::http
