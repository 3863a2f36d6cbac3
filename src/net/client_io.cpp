#include "net/client_io.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace x402gw::net {

bool ClientIo::read_timed_out(const error_code& ec) const {
  return ec == beast::error::timeout || (watchdog_.fired() && ec == asio::error::operation_aborted);
}

bool ClientIo::gone() {
  auto& socket = stream_.socket();
  if (!socket.is_open()) return true;
  char probe;
  const ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return false;   // the next pipelined request: still there
  if (n == 0) return true;   // orderly close
  return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
}

awaitable<error_code> ClientIo::send_continue() {
  if (!expects_continue) co_return error_code{};
  expects_continue = false;
  static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
  arm_write();
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1), use_nothrow);
  if (ec) must_close();
  co_return ec;
}

}  // namespace x402gw::net
