#include "net/client_io.hpp"

#include <algorithm>

#include "net/peek.hpp"

namespace x402gw::net {

void ClientIo::arm_read() {
  // The coarse clock the deadlines are stamped with: never ahead, so the body's deadline is never early.
  const auto now = std::chrono::steady_clock::time_point(std::chrono::milliseconds(Deadlines::coarse_now_ms()));
  if (!body_deadline_) body_deadline_ = now + body_timeout_;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*body_deadline_ - now);
  watchdog_.arm(std::clamp(left, std::chrono::milliseconds(0), io_timeout_));
}

bool ClientIo::read_timed_out(const error_code& ec) const {
  return ec == beast::error::timeout || (watchdog_.fired() && ec == asio::error::operation_aborted);
}

// Bytes of a pipelined next request count as present.
bool ClientIo::gone() { return peek(stream_.tcp().socket()) == PeerState::closed; }

awaitable<error_code> ClientIo::send_continue() {
  if (!expects_continue) co_return error_code{};
  expects_continue = false;
  static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
  arm_write();
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1), use_nothrow);
  if (ec) must_close();
  co_return ec;
}

awaitable<error_code> ClientIo::write_raw(unsigned response_status, Pieces pieces, size_t count) {
  status = response_status;
  auto [ec, n] = co_await write_all(stream_, stream_.plain_socket(), pieces, count, [this] { arm_write(); });
  bytes_sent += n;
  if (ec) must_close();
  co_return ec;
}

}  // namespace x402gw::net
