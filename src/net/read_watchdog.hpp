#pragma once
// A deadline on reads from a client that leaves the connection usable. Beast's stream timeout
// closes the socket, which leaves no way to answer 408; this timer only cancels the pending read,
// so the session can still write the 408 before it closes.
//
// It must never outlive the read it guards: armed only around a read, disarmed right after, and
// each arming has a generation, so a timer that fired late (its handler already queued when the
// read finished) does nothing. The handler holds the state by shared pointer, so it is safe even
// when the watchdog is gone before the handler runs.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "net/asio.hpp"

namespace x402gw::net {

/// Cancels a client's pending read when the deadline passes; `fired()` tells why a read aborted.
class ReadWatchdog {
 public:
  explicit ReadWatchdog(net::TcpStream& stream)
      : state_(std::make_shared<State>(State{&stream, 0, false, false})), timer_(stream.get_executor()) {}
  ReadWatchdog(const ReadWatchdog&) = delete;
  ReadWatchdog& operator=(const ReadWatchdog&) = delete;
  ~ReadWatchdog() { state_->stream = nullptr; }

  /// Starts (or restarts) the deadline for the next read.
  void arm(std::chrono::milliseconds timeout) {
    state_->stream->expires_never();  // the stream's own timeout would close the socket
    state_->fired = false;
    state_->armed = true;
    const uint64_t generation = ++state_->generation;
    timer_.expires_after(timeout);
    timer_.async_wait([state = state_, generation](const error_code& ec) {
      if (ec || !state->armed || state->generation != generation || !state->stream) return;
      state->fired = true;
      error_code ignored;
      state->stream->socket().cancel(ignored);
    });
  }
  /// Ends the deadline: a read finished. Pending writes are never cancelled by a watchdog.
  void disarm() {
    if (!state_->armed) return;
    state_->armed = false;
    ++state_->generation;
    timer_.cancel();
  }
  bool fired() const { return state_->fired; }

 private:
  struct State {
    net::TcpStream* stream;
    uint64_t generation;
    bool armed;
    bool fired;
  };
  std::shared_ptr<State> state_;
  net::Timer timer_;
};

}  // namespace x402gw::net
