#include "payment/reconciler.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "metrics/gateway_metrics.hpp"
#include "payment/reconciliation.hpp"
#include "payment/settled_marker.hpp"

namespace x402gw::payment {
namespace {

using Clock = std::chrono::steady_clock;

// A landed payment's receipt: the facilitator's own answer when it said success; otherwise (it said
// the nonce was used) a SettleResponse of what is known, without the transaction it did not name.
nlohmann::json landed_settlement(const facilitator::SettleOutcome* answer, const UnknownSettlement& u) {
  if (answer && !answer->error && answer->result.success && answer->result.document.is_object())
    return answer->result.document;
  nlohmann::json doc{{"success", true}, {"transaction", ""}, {"network", u.network}};
  if (answer && !answer->error && !answer->result.payer.empty()) doc["payer"] = answer->result.payer;
  return doc;
}

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::chrono::seconds keep_for(int64_t expires_at, int64_t now, std::chrono::seconds margin) {
  const int64_t left = expires_at > now ? expires_at - now : 0;
  const int64_t cap = kMaxKeep.count();
  return std::chrono::seconds(std::min(cap, left > cap ? cap : left + margin.count()));
}

bool Reconciler::submit(UnknownSettlement unknown) {
  const bool durable = !journal_ || journal_->append(unknown_line(unknown));
  queue(std::move(unknown), backoff(0));
  return durable;
}

void Reconciler::queue(UnknownSettlement unknown, Clock::duration delay) {
  {
    std::lock_guard lock(mutex_);
    items_.push_back(Item{std::move(unknown), 0, Clock::now() + delay});
  }
  wake();
}

void Reconciler::wake() {
  std::lock_guard lock(mutex_);
  if (!executor_) return;  // run() has not started: it looks at the queue first thing
  asio::post(*executor_, [this] {
    if (timer_) timer_->cancel();
  });
}

void Reconciler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  wake();
}

size_t Reconciler::pending() const {
  std::lock_guard lock(mutex_);
  return items_.size() + asking_.size();
}

std::optional<std::string> Reconciler::backlog_warning(int64_t now, std::chrono::seconds age) const {
  std::lock_guard lock(mutex_);
  int64_t oldest = now;
  for (const auto& item : items_) oldest = std::min(oldest, item.unknown.recorded_at);
  for (int64_t at : asking_) oldest = std::min(oldest, at);
  const size_t count = items_.size() + asking_.size();
  if (count == 0 || now - oldest < age.count()) return std::nullopt;
  return std::to_string(count) + " settlement(s) with an unknown outcome await reconciliation; the oldest for " +
         std::to_string(now - oldest) + "s (is their facilitator reachable?)";
}

awaitable<void> Reconciler::restore(std::vector<UnknownSettlement> open) {
  const std::chrono::milliseconds lease = std::chrono::minutes(1);
  const int64_t now = unix_now();
  for (auto& u : open) {
    const ClaimResult claim = co_await store_.claim(u.identity, lease);
    if (claim.status == Claim::applied) {
      Ending ending{Finish::unknown, {}, keep_for(u.expires_at + kAskAfterExpirySeconds, now, std::chrono::seconds(0))};
      co_await store_.finish(u.identity, std::move(ending));
    } else if (claim.status == Claim::landed) {
      // Known to have landed already (a shared store): give the claim back for its next presentation.
      Ending back;
      back.token = claim.token;
      co_await store_.finish(u.identity, std::move(back));
    } else if (claim.status == Claim::unavailable) {
      core::log_event("warn", "settlement journal: the replay store cannot take back an unknown outcome",
                      {{"identity", u.identity}});
    }
    core::log_event("info", "settlement journal: unknown outcome restored", {{"identity", u.identity}, {"route", u.route}});
    queue(std::move(u), Clock::duration::zero());
  }
}

Reconciler::Plan Reconciler::plan(Item& item, const facilitator::SettleOutcome* answer, bool configured) {
  const UnknownSettlement& u = item.unknown;
  const int64_t now = unix_now();
  const Verdict verdict = judge(Evidence{answer, std::nullopt, now, u.expires_at});
  ++item.attempts;
  Plan p;
  p.said = !configured          ? "facilitator no longer configured"
           : answer->error      ? answer->detail
           : answer->result.success ? std::string("success")
                                    : answer->result.error_reason;
  if (verdict == Verdict::ask_again) {
    core::log_event("info", "reconciliation: outcome still unknown",
                    {{"identity", u.identity}, {"attempt", item.attempts}, {"answer", p.said}});
    return p;
  }
  p.finished = true;
  if (verdict == Verdict::landed) {
    p.resolution = Resolution::settled;
    p.receipt = encode_marker(SettledMarker{u.payload_digest, landed_settlement(answer, u)});
    p.ending = Ending{Finish::settled, p.receipt, keep_for(u.expires_at, now, std::chrono::minutes(10))};
  } else if (verdict == Verdict::never) {
    p.resolution = Resolution::released;
    p.ending = Ending{Finish::released, {}, std::chrono::seconds(0)};
  }
  return p;
}

void Reconciler::record(const Item& item, const Plan& p, bool store_resolved) {
  const UnknownSettlement& u = item.unknown;
  if (p.ending && !store_resolved)
    core::log_event("warn", "reconciliation: the replay store had no unknown entry to resolve (forgotten, or resolved elsewhere)",
                    {{"identity", u.identity}});
  if (journal_) journal_->append(resolved_line(u.identity, p.resolution, p.receipt));
  if (metrics_) metrics_->settlement_reconciled(to_string(p.resolution));
  core::log_event(p.resolution == Resolution::abandoned ? "error" : "info", "reconciliation: outcome resolved",
                  {{"identity", u.identity}, {"route", u.route}, {"result", to_string(p.resolution)}, {"attempts", item.attempts},
                   {"answer", p.said}});
}

awaitable<bool> Reconciler::ask(Item& item, const FacilitatorFor& facilitator_for) {
  std::shared_ptr<facilitator::Facilitator> f = facilitator_for(item.unknown.facilitator);
  std::optional<facilitator::SettleOutcome> answer;
  if (f) {
    const std::string body = item.unknown.body;
    answer = co_await f->settle(body);
  }
  Plan p = plan(item, answer ? &*answer : nullptr, f != nullptr);
  if (!p.finished) co_return false;
  bool resolved = true;
  if (p.ending) {
    const std::string identity = item.unknown.identity;
    Ending ending = *p.ending;
    resolved = co_await store_.resolve(identity, std::move(ending));
  }
  record(item, p, resolved);
  co_return true;
}

awaitable<void> Reconciler::run(FacilitatorFor facilitator_for) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(mutex_);
    executor_ = timer.get_executor();
    timer_ = &timer;
  }
  for (;;) {
    std::vector<Item> due;
    Clock::time_point next = Clock::now() + std::chrono::hours(1);
    {
      std::lock_guard lock(mutex_);
      if (stopped_) break;
      const Clock::time_point now = Clock::now();
      auto split = std::stable_partition(items_.begin(), items_.end(), [&](const Item& i) { return i.due > now; });
      for (auto it = split; it != items_.end(); ++it) asking_.push_back(it->unknown.recorded_at), due.push_back(std::move(*it));
      items_.erase(split, items_.end());
      for (const auto& i : items_) next = std::min(next, i.due);
    }
    for (auto& item : due) {
      const bool finished = co_await ask(item, facilitator_for);
      std::lock_guard lock(mutex_);
      if (auto at = std::find(asking_.begin(), asking_.end(), item.unknown.recorded_at); at != asking_.end()) asking_.erase(at);
      if (!finished) {
        item.due = Clock::now() + backoff(item.attempts);
        items_.push_back(std::move(item));
      }
    }
    if (!due.empty()) continue;
    timer.expires_at(next);
    co_await timer.async_wait(use_nothrow);  // cancelled by wake(): look at the queue again
  }
  std::lock_guard lock(mutex_);
  timer_ = nullptr;
  executor_.reset();
}

}  // namespace x402gw::payment
