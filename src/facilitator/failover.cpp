#include "facilitator/failover.hpp"

#include "core/log.hpp"
#include "facilitator/retry_after.hpp"
#include "metrics/gateway_metrics.hpp"

namespace x402gw::facilitator {

using Clock = Breaker::Clock;

std::string_view FailoverFacilitator::name() const { return count_ > 0 ? members_[0].client->name() : std::string_view(); }

void FailoverFacilitator::count_transition(const Member& member, const std::optional<BreakerTransition>& t) {
  if (!t) return;
  if (metrics_) metrics_->breaker_transition(member.client->name(), state_name(t->to));
  core::log_event(t->to == BreakerState::closed ? "info" : "warn", "facilitator circuit breaker",
                  {{"facilitator", std::string(member.client->name())},
                   {"from", std::string(state_name(t->from))},
                   {"to", std::string(state_name(t->to))}});
}

void FailoverFacilitator::account(const Member& member, Admission admission, const AttemptResult& attempt,
                                  const std::string& detail, const std::string& retry_after) {
  const auto now = Clock::now();
  if ((attempt.status == 429 || attempt.status == 503) && !retry_after.empty()) {
    if (auto wait = parse_retry_after(retry_after, std::chrono::system_clock::now()); wait && wait->count() > 0) {
      const auto held = std::min(*wait, kMaxRetryAfter);
      const std::string reason = "answered HTTP " + std::to_string(attempt.status) + " with Retry-After: " + retry_after;
      // The probe slot (if this was the probe) is released by record(); hold_until then reopens.
      if (admission == Admission::probe) count_transition(member, member.breaker->record(admission, false, now, reason));
      count_transition(member, member.breaker->hold_until(now + held, now, reason));
      return;
    }
  }
  count_transition(member, member.breaker->record(admission, !is_failure(attempt), now, detail));
}

// GCC 12 pairs asio's awaitable-frame operator new and delete wrongly in this coroutine once it is
// inlined (a false -Wmismatched-new-delete, as at http/session.cpp's run_session).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
template <class Result, class CallFn>
awaitable<Outcome<Result>> FailoverFacilitator::run(Call call, const char* endpoint, CallFn fn) {
  Outcome<Result> last;
  bool attempted = false;
  std::chrono::microseconds elapsed{0};
  std::string skipped;
  for (size_t i = 0; i < count_; ++i) {
    const Member& member = members_[i];
    std::optional<BreakerTransition> opened;
    const Admission admission = member.breaker->admit(Clock::now(), &opened);
    count_transition(member, opened);
    if (admission == Admission::refused) {
      if (metrics_) metrics_->facilitator_skipped(member.client->name(), endpoint);
      skipped += skipped.empty() ? "'" : ", '";
      skipped += member.client->name();
      skipped += "'";
      continue;
    }
    Outcome<Result> out = co_await fn(*member.client);
    attempted = true;
    elapsed += out.elapsed;
    const AttemptResult attempt{out.error, out.status};
    account(member, admission, attempt, out.detail, out.retry_after);
    const bool more = i + 1 < count_;
    if (!more || !may_try_next(call, attempt)) {
      out.elapsed = elapsed;
      co_return out;
    }
    if (metrics_) metrics_->facilitator_failover(member.client->name(), endpoint);
    core::log_event("warn", "facilitator failover",
                    {{"facilitator", std::string(member.client->name())}, {"endpoint", endpoint}, {"reason", out.detail}});
    last = std::move(out);
  }
  if (!attempted) {
    last.error = core::Error::facilitator_circuit_open;
    last.detail = "every facilitator of this route is unavailable for now (circuit open or Retry-After): " + skipped;
  }
  last.elapsed = elapsed;
  co_return last;
}
#pragma GCC diagnostic pop

awaitable<VerifyOutcome> FailoverFacilitator::verify(const std::string& body) {
  auto call = [&body](Facilitator& f) { return f.verify(body); };
  co_return co_await run<x402::VerifyResult>(Call::verify, "verify", call);
}

awaitable<SettleOutcome> FailoverFacilitator::settle(const std::string& body) {
  auto call = [&body](Facilitator& f) { return f.settle(body); };
  co_return co_await run<x402::SettleResult>(Call::settle, "settle", call);
}

awaitable<SupportedOutcome> FailoverFacilitator::supported() {
  auto call = [](Facilitator& f) { return f.supported(); };
  co_return co_await run<std::vector<x402::SupportedKind>>(Call::supported, "supported", call);
}

}  // namespace x402gw::facilitator
