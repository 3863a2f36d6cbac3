#pragma once
// Deadlines on sockets, kept by one coarse wheel per worker (net/deadline_wheel) and one Asio
// timer. Arming a deadline reads a cheap clock and links or re-stamps an entry embedded in the
// connection: no timer queue operation, no completion, no allocation per operation (an Asio
// timer per deadline costs a locked timer-queue insert and a cancellation completion each time).
//
// When a deadline passes, the socket's pending operations are cancelled (they complete with
// operation_aborted) and the entry records that it fired, so the caller maps the abort to its
// timeout: `timed_out(ec)`. The socket stays open, so a client can still be told 408.
//
// Granularity: ticks of 10 ms. Deadlines are stamped from CLOCK_MONOTONIC_COARSE (no syscall, a
// few ns) plus its resolution, so a deadline is never early; it is late by at most one tick plus
// that resolution (about 4 ms) plus the loop's own latency. The wheel is looked at with one
// precise clock read per tick that has entries, and at least once a second while any deadline
// is armed, so a new deadline of a second or more never moves the timer (timeouts under a second
// re-aim it when they come before its next wake).
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>

#include "net/asio.hpp"
#include "net/deadline_wheel.hpp"

namespace x402gw::net {

/// The deadline of one socket's operations.
class SocketDeadline : public DeadlineEntry {
 public:
  explicit SocketDeadline(net::Socket& socket) : socket_(&socket) {}
  /// Whether `ec` is an operation cut short by this deadline (or Beast's own timeout).
  bool timed_out(const error_code& ec) const {
    return ec == beast::error::timeout || (fired() && ec == asio::error::operation_aborted);
  }
  /// `ec`, or beast::error::timeout when this deadline cut the operation short (the code the
  /// error mapping in net/transport_error reads as a timeout).
  error_code as_timeout(const error_code& ec) const { return timed_out(ec) ? error_code(beast::error::timeout) : ec; }

 private:
  friend class Deadlines;
  net::Socket* socket_;
};

/// One worker's deadlines. Used only from that worker's thread.
class Deadlines {
 public:
  static constexpr uint64_t kTickMs = 10;
  /// The longest the timer sleeps while deadlines are armed.
  static constexpr uint64_t kMaxSleepMs = 1000;

  Deadlines();
  Deadlines(const Deadlines&) = delete;
  Deadlines& operator=(const Deadlines&) = delete;

  /// Sets (or moves) `d` to `timeout` from now.
  void arm(SocketDeadline& d, std::chrono::milliseconds timeout);
  /// Takes `d`'s deadline off (`fired()` keeps its answer).
  void disarm(SocketDeadline& d) { d.disarm(); }
  /// Stops the timer; armed deadlines no longer fire (the worker is stopping).
  void stop();
  /// Deadlines armed now (for tests).
  size_t armed() const { return wheel_.size(); }

  /// The coarse clock deadlines are stamped with, in ms; never ahead of the precise clock.
  static uint64_t coarse_now_ms();
  /// The precise clock the wheel is looked at with, in ms.
  static uint64_t precise_now_ms();

 private:
  void wake_at(uint64_t when_ms);
  void on_tick();

  DeadlineWheel wheel_;
  std::optional<net::Timer> timer_;
  uint64_t wake_ms_ = UINT64_MAX;  // when the pending wait ends; max: none pending
  bool stopped_ = false;
};

}  // namespace x402gw::net
