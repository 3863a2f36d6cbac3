#pragma once
// A deadline on reads from a client that leaves the connection usable. Beast's stream timeout
// closes the socket, which leaves no way to answer 408; this timer only cancels the pending read,
// so the session can still write the 408 before it closes.
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "net/asio.hpp"

namespace x402gw::http {

/// Cancels a client's pending read when the deadline passes; `fired()` tells why a read aborted.
class ReadWatchdog {
 public:
  explicit ReadWatchdog(beast::tcp_stream& stream) : stream_(stream), timer_(stream.get_executor()) {}
  ReadWatchdog(const ReadWatchdog&) = delete;
  ReadWatchdog& operator=(const ReadWatchdog&) = delete;

  /// Starts (or restarts) the deadline for the next read.
  void arm(std::chrono::milliseconds timeout) {
    stream_.expires_never();  // the stream's own timeout would close the socket
    fired_ = false;
    timer_.expires_after(timeout);
    timer_.async_wait([this](const error_code& ec) {
      if (ec) return;  // re-armed or disarmed (also when the session is gone: nothing else is touched)
      fired_ = true;
      error_code ignored;
      stream_.socket().cancel(ignored);
    });
  }
  void disarm() { timer_.cancel(); }
  bool fired() const { return fired_; }

 private:
  beast::tcp_stream& stream_;
  asio::steady_timer timer_;
  bool fired_ = false;
};

}  // namespace x402gw::http
