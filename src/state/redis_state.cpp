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

std::vector<std::string> claim_args(const config::State& s, const std::string& identity, const std::string& token,
                                    std::chrono::milliseconds lease) {
  return arguments({claim_key(s.key_prefix, identity), token, std::to_string(lease.count())});
}

std::vector<std::string> finish_args(const config::State& s, const std::string& identity, const payment::Ending& ending) {
  const std::chrono::milliseconds hold = ending.hold ? redis_lease(s.claim_lease, s.claim_lease) : std::chrono::milliseconds(0);
  return arguments({claim_key(s.key_prefix, identity), ending.token, ending_code(ending.how), ending.receipt,
                    std::to_string(keep_for(ending, s.remember).count()), std::to_string(hold.count())});
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
  if (!slot) co_return ClaimResult{Claim::unavailable, {}, {}, {}};
  const std::string token = new_token();
  const std::chrono::milliseconds granted = redis_lease(lease, settings_.claim_lease);
  const std::vector<std::string> args = claim_args(settings_, identity, token, granted);
  RedisResult r = co_await slot->connection.eval(kClaim, args, "claim");
  if (!r.ok()) co_return ClaimResult{Claim::unavailable, {}, {}, {}};
  if (r.value.is_nil()) co_return ClaimResult{Claim::applied, {}, token, granted};
  ClaimResult found = decode_claim(r.value.text);
  if (found.status == Claim::landed) {  // the script handed it to this request to deliver
    found.token = token;
    found.lease = granted;
  }
  if (found.status == Claim::unavailable)
    core::log_event("error", "a Redis claim key holds a value the gateway did not write", {{"key_prefix", settings_.key_prefix}});
  co_return found;
}

awaitable<payment::Renewal> RedisReplayStore::renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) {
  RedisSlot* slot = RedisState::here();
  if (!slot) co_return payment::Renewal::failed;
  const std::vector<std::string> args =
      arguments({claim_key(settings_.key_prefix, identity), token, std::to_string(redis_lease(lease, settings_.claim_lease).count())});
  RedisResult r = co_await slot->connection.eval(kRenew, args, "renew");
  if (!r.ok()) co_return payment::Renewal::failed;
  co_return r.value.integer == 1 ? payment::Renewal::held : payment::Renewal::lost;
}

awaitable<bool> RedisReplayStore::finish(const std::string& identity, payment::Ending ending) {
  RedisSlot* slot = RedisState::here();
  if (!slot) co_return false;
  const std::vector<std::string> args = finish_args(settings_, identity, ending);
  RedisResult r = co_await slot->connection.eval(kFinish, args, "finish");
  if (!r.ok()) {
    if (ending.how != payment::Finish::released)
      core::log_event("error", "a payment's outcome could not be recorded in Redis",
                      {{"outcome", std::string(ending_code(ending.how))}});
    co_return false;
  }
  co_return r.value.integer == 1;
}

awaitable<bool> RedisReplayStore::resolve(const std::string& identity, payment::Ending ending) {
  RedisSlot* slot = RedisState::here();
  if (!slot || ending.how == payment::Finish::unknown || ending.how == payment::Finish::delivered) co_return false;
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

void RedisReplayStore::abandon(const std::string& identity, const std::string& token) {
  RedisSlot* slot = RedisState::here();
  if (!slot || token.empty()) return;  // no claim of this request's to name: the lease runs out
  payment::Ending ending;
  ending.token = token;
  // Sent in the background, with the NOSCRIPT fallback of every script call; if it cannot be
  // sent, the lease runs out.
  slot->connection.eval_detached(kFinish, finish_args(settings_, identity, ending), "abandon");
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
}

std::string RedisState::problem() const {
  for (const auto& slot : slots_)
    if (std::string p = slot->connection.problem(); !p.empty()) return "state store " + settings_.redis.to_string() + ": " + p;
  return {};
}

}  // namespace x402gw::state
