#include "net/socket_deadline.hpp"

#include <time.h>

#include <algorithm>

namespace x402gw::net {
namespace {

uint64_t read_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

// What a stamp from the coarse clock may lag the precise one by, in whole ms, plus the ms the
// truncation to ms may lose: added to every deadline so that none is early.
uint64_t coarse_slack_ms() {
  static const uint64_t slack = [] {
    timespec res{};
    clock_getres(CLOCK_MONOTONIC_COARSE, &res);
    return static_cast<uint64_t>(res.tv_sec) * 1000 + (static_cast<uint64_t>(res.tv_nsec) + 999999) / 1000000 + 1;
  }();
  return slack;
}

}  // namespace

// steady_clock is CLOCK_MONOTONIC on Linux: the Asio timer and both clocks here share an epoch.
uint64_t Deadlines::coarse_now_ms() { return read_ms(CLOCK_MONOTONIC_COARSE); }
uint64_t Deadlines::precise_now_ms() { return read_ms(CLOCK_MONOTONIC); }

Deadlines::Deadlines() : wheel_(kTickMs, precise_now_ms()) {}

void Deadlines::arm(SocketDeadline& d, std::chrono::milliseconds timeout) {
  const uint64_t now = coarse_now_ms();
  wheel_.arm(d, now + coarse_slack_ms() + static_cast<uint64_t>(std::max<int64_t>(timeout.count(), 0)));
  // Only a deadline before the timer's next wake moves the timer.
  if (const uint64_t check = wheel_.check_time(d); check < wake_ms_ && !stopped_) {
    if (!timer_) timer_.emplace(d.socket_->get_executor());
    wake_at(std::min(check, now + kMaxSleepMs));
  }
}

void Deadlines::stop() {
  stopped_ = true;
  wake_ms_ = UINT64_MAX;
  if (timer_) timer_->cancel();
}

void Deadlines::wake_at(uint64_t when_ms) {
  wake_ms_ = when_ms;
  timer_->expires_at(std::chrono::steady_clock::time_point(std::chrono::milliseconds(when_ms)));
  timer_->async_wait([this, when_ms](const error_code& ec) {
    // A wait that was re-aimed (or stopped) is not this wake: the newer one looks at the wheel.
    if (ec == asio::error::operation_aborted || stopped_ || wake_ms_ != when_ms) return;
    on_tick();
  });
}

void Deadlines::on_tick() {
  const uint64_t now = precise_now_ms();
  wake_ms_ = UINT64_MAX;
  wheel_.expire(now, [](DeadlineEntry& e) {
    error_code ignored;
    static_cast<SocketDeadline&>(e).socket_->cancel(ignored);
  });
  // Nothing armed: no wait is left pending, so the timer holds no worker's loop open.
  if (auto next = wheel_.next_check()) wake_at(std::min(*next, now + kMaxSleepMs));
}

}  // namespace x402gw::net
