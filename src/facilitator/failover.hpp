#pragma once
// A Facilitator over the ordered facilitators of one route: each call goes to the first whose
// breaker admits it and moves on as failover_policy.hpp allows. Built per request over clients
// and breakers that already exist: it allocates nothing.
#include <array>
#include <cstddef>

#include "facilitator/breaker.hpp"
#include "facilitator/facilitator.hpp"
#include "facilitator/failover_policy.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}

namespace x402gw::facilitator {

/// Longest wait a Retry-After may impose (a facilitator asking for a day is held this long and probed).
inline constexpr std::chrono::seconds kMaxRetryAfter{300};

/// One facilitator of the list, with its breaker.
struct Member {
  Facilitator* client = nullptr;
  Breaker* breaker = nullptr;
};

/// Failover across up to config::kMaxRouteFacilitators facilitators.
class FailoverFacilitator final : public Facilitator {
 public:
  explicit FailoverFacilitator(metrics::GatewayMetrics* metrics) : metrics_(metrics) {}
  FailoverFacilitator(const FailoverFacilitator&) = delete;
  FailoverFacilitator& operator=(const FailoverFacilitator&) = delete;

  /// Appends the next facilitator in order; beyond the capacity it is ignored (the loader refuses longer lists).
  void add(Member member) {
    if (count_ < members_.size()) members_[count_++] = member;
  }

  std::string_view name() const override;
  awaitable<VerifyOutcome> verify(const std::string& body) override;
  awaitable<SettleOutcome> settle(const std::string& body) override;
  awaitable<SupportedOutcome> supported() override;

 private:
  template <class Result, class CallFn>
  awaitable<Outcome<Result>> run(Call call, const char* endpoint, CallFn fn);
  /// Feeds one attempt's result to the member's breaker.
  void account(const Member& member, Admission admission, const AttemptResult& attempt, const std::string& detail,
               const std::string& retry_after);
  void count_transition(const Member& member, const std::optional<BreakerTransition>& t);

  std::array<Member, config::kMaxRouteFacilitators> members_{};
  size_t count_ = 0;
  metrics::GatewayMetrics* metrics_;
};

}  // namespace x402gw::facilitator
