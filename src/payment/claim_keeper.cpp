#include "payment/claim_keeper.hpp"

#include <boost/asio/steady_timer.hpp>

#include "core/log.hpp"
#include "metrics/gateway_metrics.hpp"

namespace x402gw::payment {

using Clock = std::chrono::steady_clock;

namespace {
// The store's lease started when it took the claim or renewal, a little before the answer came:
// this side counts a tenth less, so it never believes in a lease the store has let go.
std::chrono::milliseconds safe_part(std::chrono::milliseconds lease) { return lease - lease / 10; }
}  // namespace

struct ClaimKeeper::Shared {
  Shared(const IoExecutor& executor, ReplayStore& s, metrics::GatewayMetrics* m) : timer(executor), store(s), metrics(m) {}
  net::Timer timer;
  ReplayStore& store;
  metrics::GatewayMetrics* metrics;
  std::string identity;
  std::string token;
  std::chrono::milliseconds lease{0};
  Clock::time_point good_until;  // the lease's end as of the last renewal that succeeded
  bool stopped = false;
  bool lost = false;
};

void ClaimKeeper::start(const IoExecutor& executor, const std::string& identity, const std::string& token,
                        std::chrono::milliseconds lease) {
  stop();
  if (token.empty() || lease.count() <= 0) return;  // a store without tokens or leases: nothing to renew
  shared_ = std::make_shared<Shared>(executor, store_, metrics_);
  shared_->identity = identity;
  shared_->token = token;
  shared_->lease = lease;
  shared_->good_until = Clock::now() + safe_part(lease);
  asio::co_spawn(executor, renew_loop(shared_), asio::detached);
}

void ClaimKeeper::stop() {
  if (!shared_) return;
  shared_->stopped = true;
  shared_->timer.cancel();
  shared_.reset();
}

bool ClaimKeeper::held() const { return !shared_ || (!shared_->lost && Clock::now() < shared_->good_until); }

awaitable<void> ClaimKeeper::renew_loop(std::shared_ptr<Shared> s) {
  // Three renewals per lease: two can be lost before the lease runs out.
  const auto every = std::max<std::chrono::milliseconds>(s->lease / 3, std::chrono::milliseconds(10));
  while (!s->stopped) {
    s->timer.expires_after(every);
    (void)co_await s->timer.async_wait(use_nothrow);
    if (s->stopped) co_return;
    const auto asked = Clock::now();
    const std::string identity = s->identity;
    const std::string token = s->token;
    const Renewal r = co_await s->store.renew(identity, token, s->lease);
    if (s->stopped) co_return;  // the claim ended meanwhile: this answer says nothing of it
    switch (r) {
      case Renewal::held: s->good_until = asked + safe_part(s->lease); break;
      case Renewal::failed:
        if (s->metrics) s->metrics->claim_lease_event("renew_failed");
        core::log_event("warn", "a payment claim's lease could not be renewed; retrying",
                        {{"lease_left_ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(s->good_until - Clock::now()).count())}});
        break;
      case Renewal::lost:
        s->lost = true;
        if (s->metrics) s->metrics->claim_lease_event("lease_lost");
        core::log_event("error", "a payment claim was lost while its request ran; a request that has not settled it yet will not");
        co_return;
    }
  }
}

namespace {

std::string_view ending_name(Finish how) {
  switch (how) {
    case Finish::released: return "released";
    case Finish::settled: return "settled";
    case Finish::delivered: return "delivered";
    case Finish::unknown: return "unknown";
  }
  return "?";
}

awaitable<void> keep_recording(std::shared_ptr<ClaimKeeper> keeper, ReplayStore& store, metrics::GatewayMetrics* metrics,
                               std::string identity, Ending ending, std::chrono::seconds give_up_after) {
  net::Timer timer(co_await asio::this_coro::executor);
  const auto deadline = Clock::now() + give_up_after;
  auto wait = std::chrono::milliseconds(250);
  while (Clock::now() < deadline) {
    timer.expires_after(wait);
    co_await timer.async_wait(use_nothrow);
    wait = std::min<std::chrono::milliseconds>(wait * 2, std::chrono::seconds(5));
    if (co_await store.finish(identity, ending)) {
      core::log_event("info", "a payment's outcome was recorded in the replay store after a retry",
                      {{"outcome", std::string(ending_name(ending.how))}});
      co_return;
    }
    if (metrics) metrics->claim_lease_event("record_retried");
  }
  if (metrics) metrics->claim_lease_event("record_failed");
  core::log_event("error", "a payment's outcome could not be recorded in the replay store; it is protected only by its journal entry and the facilitator's nonce check",
                  {{"outcome", std::string(ending_name(ending.how))}});
}

}  // namespace

awaitable<bool> record_ending(ReplayStore& store, metrics::GatewayMetrics* metrics, const std::string& identity, const Ending& ending) {
  net::Timer timer(co_await asio::this_coro::executor);
  auto wait = std::chrono::milliseconds(100);
  for (int attempt = 0;; ++attempt) {
    if (co_await store.finish(identity, ending)) co_return true;
    if (ending.how == Finish::released || attempt == 3) co_return false;  // a release is left to the lease
    if (metrics) metrics->claim_lease_event("record_retried");
    timer.expires_after(wait);
    co_await timer.async_wait(use_nothrow);
    wait *= 2;
  }
}

void record_in_background(const IoExecutor& executor, ReplayStore& store, metrics::GatewayMetrics* metrics,
                          std::string identity, Ending ending, std::chrono::milliseconds lease, std::chrono::seconds give_up_after) {
  auto keeper = std::make_shared<ClaimKeeper>(store, metrics);
  keeper->start(executor, identity, ending.token, lease);
  core::log_event("error", "a payment's outcome could not be recorded in the replay store; retrying in the background while its claim is kept",
                  {{"outcome", std::string(ending_name(ending.how))}});
  asio::co_spawn(executor, keep_recording(std::move(keeper), store, metrics, std::move(identity), std::move(ending), give_up_after),
                 asio::detached);
}

}  // namespace x402gw::payment
