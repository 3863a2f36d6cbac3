#include "payment/reconciler.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "core/saturating.hpp"
#include "metrics/gateway_metrics.hpp"
#include "payment/reconciliation.hpp"
#include "payment/reconciliation_evm.hpp"
#include "payment/settled_marker.hpp"

namespace x402gw::payment {
namespace {

using Clock = std::chrono::steady_clock;

// How long a restored claim is held while it is marked unknown.
constexpr std::chrono::milliseconds kRestoreLease = std::chrono::minutes(1);

// A landed payment's receipt: the facilitator's own answer when it said success; otherwise (the
// chain proved it) a SettleResponse of what is known, with the paying transaction if it was found.
// An upto settlement's charge, as its journaled /settle body names it; "" for other schemes.
std::string upto_charge(const UnknownSettlement& u) {
  const nlohmann::json body = nlohmann::json::parse(u.body, nullptr, false);
  if (!body.is_object() || !body.contains("paymentRequirements")) return {};
  const nlohmann::json& r = body["paymentRequirements"];
  if (!r.is_object() || r.value("scheme", std::string()) != "upto" || !r.contains("amount") || !r["amount"].is_string()) return {};
  return r["amount"].get<std::string>();
}

nlohmann::json landed_settlement(const facilitator::SettleOutcome* answer, const UnknownSettlement& u, const std::string& chain_tx) {
  nlohmann::json doc;
  if (chain_tx.empty() && answer && !answer->error && answer->result.success && answer->result.document.is_object()) {
    doc = answer->result.document;
  } else {
    doc = {{"success", true}, {"transaction", chain_tx}, {"network", u.network}};
    if (answer && !answer->error && !answer->result.payer.empty()) doc["payer"] = answer->result.payer;
  }
  // The receipt of a reconciled upto payment names what it was charged, as the request's would have.
  if (!doc.contains("amount"))
    if (std::string charge = upto_charge(u); !charge.empty()) doc["amount"] = charge;
  return doc;
}

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::chrono::seconds keep_for(int64_t expires_at, int64_t now, std::chrono::seconds margin) {
  const int64_t left = expires_at > now ? core::saturating_sub(expires_at, now) : 0;
  const int64_t cap = kMaxKeep.count();
  return std::chrono::seconds(std::min(cap, core::saturating_add(left, margin.count())));
}

bool Reconciler::submit(UnknownSettlement unknown, bool claim_left_open) {
  const bool durable = !journal_ || journal_->append(unknown_line(unknown));
  queue(std::move(unknown), backoff(0), claim_left_open);
  return durable;
}

void Reconciler::queue(UnknownSettlement unknown, Clock::duration delay, bool unmarked) {
  {
    std::lock_guard lock(mutex_);
    Item item{std::move(unknown), 0, Clock::now() + delay};
    item.unmarked = unmarked;
    items_.push_back(std::move(item));
  }
  wake();
}

void Reconciler::wake() {
  std::lock_guard lock(mutex_);
  // Not started, or stopped (run()'s timer may be gone with its loop): it looks at the queue first thing.
  if (!executor_ || stopped_) return;
  asio::post(*executor_, [this] {
    if (timer_) timer_->cancel();
  });
}

void Reconciler::stop() {
  std::optional<IoExecutor> executor;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    executor = executor_;
  }
  if (executor)
    asio::post(*executor, [this] {
      if (timer_) timer_->cancel();
    });
}

size_t Reconciler::pending() const {
  std::lock_guard lock(mutex_);
  return items_.size() + asking_.size();
}

size_t Reconciler::given_up() const {
  std::lock_guard lock(mutex_);
  return given_up_;
}

Reconciler::Backlog Reconciler::backlog(int64_t now, size_t max) const {
  std::lock_guard lock(mutex_);
  Backlog out;
  out.pending = items_.size() + asking_.size();
  out.given_up = given_up_;
  int64_t oldest = now;
  for (const auto& item : items_) {
    oldest = std::min(oldest, item.unknown.recorded_at);
    out.items.push_back(BacklogItem{item.unknown.route, item.unknown.facilitator, item.unknown.network, item.unknown.recorded_at,
                                    item.attempts, false});
  }
  // Those being asked about now are out of items_ for the while: only their age is known here.
  for (int64_t at : asking_) {
    oldest = std::min(oldest, at);
    out.items.push_back(BacklogItem{{}, {}, {}, at, 0, true});
  }
  out.oldest_age = out.pending > 0 ? now - oldest : 0;
  std::sort(out.items.begin(), out.items.end(), [](const BacklogItem& a, const BacklogItem& b) { return a.recorded_at < b.recorded_at; });
  if (out.items.size() > max) out.items.resize(max);
  return out;
}

std::optional<std::string> Reconciler::backlog_warning(int64_t now, std::chrono::seconds age) const {
  std::lock_guard lock(mutex_);
  int64_t oldest = now;
  for (const auto& item : items_) oldest = std::min(oldest, item.unknown.recorded_at);
  for (int64_t at : asking_) oldest = std::min(oldest, at);
  const size_t count = items_.size() + asking_.size();
  std::string out;
  if (count > 0 && now - oldest >= age.count())
    out = std::to_string(count) + " settlement(s) with an unknown outcome await reconciliation; the oldest for " +
          std::to_string(now - oldest) + "s (is their facilitator reachable? is `chains:` set for their network?)";
  if (given_up_ > 0) {
    if (!out.empty()) out += "; ";
    out += std::to_string(given_up_) +
           " settlement(s) could not be proven landed or not and stay unknown (never served): see the log's "
           "\"reconciliation: outcome resolved\" lines with result abandoned";
  }
  if (out.empty()) return std::nullopt;
  return out;
}

awaitable<void> Reconciler::restore(std::vector<UnknownSettlement> open) {
  const int64_t now = unix_now();
  for (auto& u : open) {
    const ClaimResult claim = co_await store_.claim(u.identity, kRestoreLease);
    bool unmarked = false;
    if (claim.status == Claim::applied) {
      Ending ending{Finish::unknown, {}, unknown_keep(u.network, u.expires_at, now)};
      ending.token = claim.token;
      co_await store_.finish(u.identity, std::move(ending));
    } else if (claim.status == Claim::landed) {
      // Known to have landed already (a shared store): give the claim back for its next presentation.
      Ending back;
      back.token = claim.token;
      co_await store_.finish(u.identity, std::move(back));
    } else if (claim.status == Claim::in_flight) {
      // The process that journaled it stopped while holding the claim: its lease still runs.
      unmarked = true;
      core::log_event("warn", "settlement journal: the replay store still holds the claim of a stopped process; it is marked unknown when that lease ends",
                      {{"identity", u.identity}});
    } else if (claim.status == Claim::unavailable || claim.status == Claim::full) {
      unmarked = true;
      core::log_event("warn", "settlement journal: the replay store cannot take back an unknown outcome",
                      {{"identity", u.identity}});
    }
    core::log_event("info", "settlement journal: unknown outcome restored", {{"identity", u.identity}, {"route", u.route}});
    queue(std::move(u), Clock::duration::zero(), unmarked);
  }
}

Reconciler::Plan Reconciler::plan(Item& item, const facilitator::SettleOutcome* answer, bool configured,
                                  const std::optional<chain::ChainFinding>& chain, const std::string& chain_tx) {
  const UnknownSettlement& u = item.unknown;
  const int64_t now = unix_now();
  const int64_t window = settlement_window(family_of(u.network), u.expires_at, u.recorded_at);
  const Verdict verdict = judge(Evidence{answer, chain, now, window, u.recorded_at});
  ++item.attempts;
  Plan p;
  p.said = !configured          ? "facilitator no longer configured"
           : answer->error      ? answer->detail
           : answer->result.success ? std::string("success")
                                    : answer->result.error_reason;
  if (verdict == Verdict::ask_again) {
    const bool unproven = answer && !answer->error && says_nonce_used(answer->result.error_reason + " " + answer->result.error_message);
    core::log_event(unproven ? "warn" : "info",
                    unproven ? "reconciliation: the nonce is used, but nothing proves the payment landed (set `chains:` for the network)"
                             : "reconciliation: outcome still unknown",
                    {{"identity", u.identity}, {"attempt", item.attempts}, {"answer", p.said}});
    return p;
  }
  p.finished = true;
  if (verdict == Verdict::landed) {
    p.resolution = Resolution::settled;
    p.receipt = encode_marker(SettledMarker{u.payload_digest, landed_settlement(answer, u, chain_tx)});
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
  if (p.resolution == Resolution::abandoned) {
    size_t now_given_up = 0;
    {
      std::lock_guard lock(mutex_);
      now_given_up = ++given_up_;
    }
    if (metrics_) metrics_->settlements_given_up(static_cast<int64_t>(now_given_up));
  }
  if (metrics_) metrics_->settlement_reconciled(to_string(p.resolution));
  core::log_event(p.resolution == Resolution::abandoned ? "error" : "info", "reconciliation: outcome resolved",
                  {{"identity", u.identity}, {"route", u.route}, {"network", u.network}, {"result", to_string(p.resolution)},
                   {"attempts", item.attempts}, {"answer", p.said}});
}

awaitable<bool> Reconciler::write_ending(Item& item, Ending ending, bool& resolved) {
  const std::string identity = item.unknown.identity;
  Ending copy = ending;
  resolved = co_await store_.resolve(identity, std::move(copy));
  if (resolved) co_return true;
  // resolve() says false both when there is no unknown entry and when the store could not answer
  // (Redis frozen or restarting): a claim tells them apart. A verdict the store did not take is
  // never counted as written, or the entry would stay unknown for good (R2, R6).
  const ClaimResult claim = co_await store_.claim(identity, kRestoreLease);
  switch (claim.status) {
    case Claim::outcome_unknown:  // still unknown: the store did not take the verdict; asked again later
    case Claim::unavailable:
    case Claim::full:             // no room now: asked again later (room comes as payments expire)
    case Claim::in_flight:        // a stopped process's claim (restored unmarked), or another request's
      co_return false;
    case Claim::applied:  // nothing there (forgotten, or restored unmarked and the lease ended): written here
      item.unmarked = false;
      ending.token = claim.token;
      resolved = co_await store_.finish(identity, std::move(ending));
      co_return true;
    case Claim::landed: {  // landed already (known elsewhere): given back for its next presentation
      item.unmarked = false;
      Ending back;
      back.token = claim.token;
      co_await store_.finish(identity, std::move(back));
      co_return true;
    }
    case Claim::delivered:
      item.unmarked = false;
      co_return true;
  }
  co_return false;
}

awaitable<bool> Reconciler::ask(Item& item, const FacilitatorFor& facilitator_for, const ChainFor& chain_for) {
  const UnknownSettlement& u = item.unknown;
  std::shared_ptr<facilitator::Facilitator> f = facilitator_for(u.facilitator);
  std::optional<facilitator::SettleOutcome> answer;
  if (f) {
    const std::string body = u.body;
    answer = co_await f->settle(body);
  }
  // EVM evidence from the chain, where a node is configured for the network.
  std::optional<chain::ChainFinding> finding;
  std::string chain_tx;
  std::shared_ptr<EvmRpc> rpc = chain_for && family_of(u.network) == x402::Family::evm ? chain_for(u.network) : nullptr;
  if (rpc) {
    std::string named = answer && !answer->error && answer->result.success ? answer->result.transaction : std::string();
    const std::string body = u.body;
    std::optional<ChainReading> reading = co_await read_settle_body(*rpc, body, std::move(named), u.expires_at, unix_now());
    if (reading) {
      finding = reading->finding;
      chain_tx = reading->transaction;
      if (metrics_) metrics_->reconciliation_evidence("evm", finding ? chain::to_string(*finding) : "none");
      core::log_event("info", "reconciliation: the chain was read", {{"identity", u.identity}, {"chain", reading->said}});
    }
  }
  Plan p = plan(item, answer ? &*answer : nullptr, f != nullptr, finding, chain_tx);
  if (!p.finished) {
    if (item.unmarked) {
      // Keep it unknown in the store once the stopped process's lease ends.
      Ending unknown{Finish::unknown, {}, unknown_keep(u.network, u.expires_at, unix_now())};
      const std::string identity = u.identity;
      const ClaimResult claim = co_await store_.claim(identity, kRestoreLease);
      if (claim.status == Claim::applied) {
        unknown.token = claim.token;
        co_await store_.finish(identity, std::move(unknown));
      } else if (claim.status == Claim::landed) {
        Ending back;  // landed already: given back for its next presentation
        back.token = claim.token;
        co_await store_.finish(identity, std::move(back));
      }
      if (claim.status != Claim::in_flight && claim.status != Claim::unavailable && claim.status != Claim::full) item.unmarked = false;
    }
    co_return false;
  }
  bool resolved = true;
  if (p.ending) {
    Ending ending = *p.ending;
    const bool written = co_await write_ending(item, std::move(ending), resolved);
    if (!written) co_return false;
  }
  record(item, p, resolved);
  co_return true;
}

awaitable<void> Reconciler::run(FacilitatorFor facilitator_for, ChainFor chain_for) {
  net::Timer timer(co_await asio::this_coro::executor);
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
      const bool finished = co_await ask(item, facilitator_for, chain_for);
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
