#include "state/redis_state.hpp"

#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "state/redis_keys.hpp"

namespace x402gw::state {

using payment::Allowance;
using payment::Claim;
using payment::ClaimResult;

namespace {
// Each worker thread runs one io_context, so its slot is a thread-local (set by attach()).
thread_local RedisSlot* current_slot = nullptr;

// Script arguments are built in plain functions: GCC 12 destroys some temporaries of a braced
// list inside a coroutine twice.
std::vector<std::string> arguments(std::initializer_list<std::string_view> parts) {
  std::vector<std::string> out;
  out.reserve(parts.size());
  for (std::string_view p : parts) out.emplace_back(p);
  return out;
}

std::vector<std::string> claim_args(const config::State& s, const std::string& identity, const std::string& value,
                                    std::chrono::milliseconds lease) {
  return arguments({claim_key(s.key_prefix, identity), value, std::to_string(redis_lease(lease, s.claim_lease).count())});
}

std::vector<std::string> finish_args(const config::State& s, const std::string& identity, const std::string& held,
                                     const payment::Ending& ending) {
  return arguments({claim_key(s.key_prefix, identity), held, ending_code(ending.how), ending.receipt,
                    std::to_string(keep_for(ending, s.remember).count())});
}

std::vector<std::string> resolve_args(const config::State& s, const std::string& identity, const payment::Ending& ending) {
  return arguments({claim_key(s.key_prefix, identity), ending_code(ending.how), ending.receipt,
                    std::to_string(keep_for(ending, s.remember).count())});
}

std::vector<std::string> limit_args(const config::State& s, const std::string& client, long long interval, long long tolerance) {
  return arguments({limit_key(s.key_prefix, client), std::to_string(interval), std::to_string(tolerance)});
}
}  // namespace

RedisSlot* RedisState::here() { return current_slot; }

awaitable<ClaimResult> RedisReplayStore::claim(const std::string& identity, std::chrono::milliseconds lease) {
  RedisSlot* slot = RedisState::here();
  if (!slot) co_return ClaimResult{Claim::unavailable, {}};
  const std::string token = new_token();
  const std::string value = in_flight_value(token);
  const std::vector<std::string> args = claim_args(settings_, identity, value, lease);
  RedisResult r = co_await slot->connection.eval(kClaim, args, "claim");
  if (!r.ok()) co_return ClaimResult{Claim::unavailable, {}};
  if (r.value.is_nil()) {
    slot->claims[identity] = value;
    co_return ClaimResult{Claim::applied, {}};
  }
  ClaimResult found = decode_claim(r.value.text);
  if (found.status == Claim::unavailable)
    core::log_event("error", "a Redis claim key holds a value the gateway did not write", {{"key_prefix", settings_.key_prefix}});
  co_return found;
}

awaitable<bool> RedisReplayStore::finish(const std::string& identity, payment::Ending ending) {
  RedisSlot* slot = RedisState::here();
  if (!slot) co_return false;
  std::string held;
  if (auto it = slot->claims.find(identity); it != slot->claims.end()) {
    held = std::move(it->second);
    slot->claims.erase(it);
  }
  const std::vector<std::string> args = finish_args(settings_, identity, held, ending);
  RedisResult r = co_await slot->connection.eval(kFinish, args, "finish");
  if (!r.ok()) {
    if (ending.how != payment::Finish::released)
      core::log_event("error", "a settled payment could not be recorded in Redis; its claim expires with its lease",
                      {{"outcome", std::string(ending_code(ending.how))}});
    co_return false;
  }
  co_return r.value.integer == 1;
}

awaitable<bool> RedisReplayStore::resolve(const std::string& identity, payment::Ending ending) {
  RedisSlot* slot = RedisState::here();
  if (!slot || ending.how == payment::Finish::unknown) co_return false;
  const std::vector<std::string> args = resolve_args(settings_, identity, ending);
  RedisResult r = co_await slot->connection.eval(kResolve, args, "resolve");
  co_return r.ok() && r.value.integer == 1;
}

awaitable<bool> RedisReplayStore::revoke(const std::string& identity, const std::string& receipt) {
  RedisSlot* slot = RedisState::here();
  if (!slot) co_return false;
  const std::vector<std::string> args = arguments({claim_key(settings_.key_prefix, identity), receipt});
  RedisResult r = co_await slot->connection.eval(kRevoke, args, "revoke");
  co_return r.ok() && r.value.integer == 1;
}

void RedisReplayStore::abandon(const std::string& identity) {
  RedisSlot* slot = RedisState::here();
  if (!slot) return;
  auto it = slot->claims.find(identity);
  if (it == slot->claims.end()) return;
  const std::vector<std::string> args = finish_args(settings_, identity, it->second, payment::Ending{});
  slot->claims.erase(it);
  slot->connection.eval_detached(kFinish, args);  // if it cannot be sent, the lease runs out
}

void RedisChallengeLimiter::configure(double rate, double burst) {
  const GcraParams p = gcra_params(rate, burst);
  interval_us_.store(p.interval_us);
  tolerance_us_.store(p.tolerance_us);
}

awaitable<Allowance> RedisChallengeLimiter::take(const std::string& client) {
  const long long interval = interval_us_.load();
  if (interval == 0) co_return Allowance::allowed;  // unlimited: no round trip
  RedisSlot* slot = RedisState::here();
  if (!slot) co_return Allowance::unavailable;
  const std::vector<std::string> args = limit_args(settings_, client, interval, tolerance_us_.load());
  RedisResult r = co_await slot->connection.eval(kLimit, args, "limit");
  if (!r.ok()) co_return Allowance::unavailable;
  co_return r.value.integer == 1 ? Allowance::allowed : Allowance::limited;
}

RedisState::RedisState(const config::State& settings, metrics::GatewayMetrics* metrics, double challenge_rate,
                       double challenge_burst)
    : settings_(settings), metrics_(metrics), store_(settings_), limiter_(settings_, challenge_rate, challenge_burst) {}

RedisState::~RedisState() = default;

void RedisState::attach(asio::io_context& ioc) {
  slots_.push_back(std::make_unique<RedisSlot>(ioc, settings_, metrics_));
  RedisSlot* slot = slots_.back().get();
  asio::post(ioc, [slot] { current_slot = slot; });
  slot->connection.start();
  asio::co_spawn(ioc, renew_loop(*slot), asio::detached);
}

std::string RedisState::problem() const {
  for (const auto& slot : slots_)
    if (std::string p = slot->connection.problem(); !p.empty()) return "state store " + settings_.redis.to_string() + ": " + p;
  return {};
}

awaitable<void> RedisState::renew_loop(RedisSlot& slot) {
  // Claims are leased for claim_lease and renewed while their requests run: a replica that dies
  // frees its claims within one lease, one that lives keeps them as long as it needs.
  const auto lease = redis_lease(settings_.claim_lease, settings_.claim_lease);
  for (;;) {
    slot.renew_timer.expires_after(renew_interval(lease));
    auto [ec] = co_await slot.renew_timer.async_wait(use_nothrow);
    if (ec) co_return;
    const std::string ms = std::to_string(lease.count());
    for (const auto& [identity, value] : slot.claims) {
      const std::string key = claim_key(settings_.key_prefix, identity);
      const std::vector<std::string> args = arguments({key, value, ms});
      slot.connection.eval_detached(kRenew, args);
    }
  }
}

}  // namespace x402gw::state
