#pragma once
// The Lua scripts that make every state transition in Redis one atomic round trip. A finish or a
// renewal acts only on the claim its request holds (compare-and-set on the claim's token).
// Claim values are described in redis_keys.hpp.
#include <array>
#include <string_view>

namespace x402gw::state {

/// Indexes into kScripts.
enum Script { kClaim = 0, kFinish, kResolve, kRenew, kLimit, kRevoke, kScriptCount };

// Shared by the claim scripts: Redis's clock in ms, the parts of a held landed value
// ("H:<lease end ms>:<token>:<receipt>"), and a write that keeps the key's time to live.
#define X402GW_CLAIM_LUA_HELPERS \
  "local function now_ms() local t = redis.call('TIME') return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end\n" \
  "local function held(v) return string.match(v, '^H:(%d+):([^:]*):(.*)$') end\n" \
  "local function set_keep_ttl(k, v) local ttl = redis.call('PTTL', k) if ttl > 0 then redis.call('SET', k, v, 'PX', ttl) else redis.call('SET', k, v) end end\n" \
  "local function held_value(lease, token, receipt) return 'H:' .. string.format('%.0f', now_ms() + tonumber(lease)) .. ':' .. token .. ':' .. receipt end\n"

/// KEYS[1] claim key; ARGV[1] token, ARGV[2] lease ms.
/// Returns nil when the claim is now this request's (in flight, "F:<token>"); "S:<receipt>" when a
/// landed payment (settled, answer not delivered) is now this request's to deliver; else what was
/// found ("F:" for a landed one another request is delivering; see redis_keys.hpp).
inline constexpr std::string_view kClaimScript = X402GW_CLAIM_LUA_HELPERS R"lua(
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'F:' .. ARGV[1], 'PX', ARGV[2])
  return false
end
local kind = string.sub(v, 1, 2)
local receipt
if kind == 'S:' then
  receipt = string.sub(v, 3)
elseif kind == 'H:' then
  local until_ms, _, rest = held(v)
  if until_ms and tonumber(until_ms) > now_ms() then return 'F:' end
  receipt = rest or ''
else
  return v
end
set_keep_ttl(KEYS[1], held_value(ARGV[2], ARGV[1], receipt))
return 'S:' .. receipt
)lua";

/// KEYS[1] claim key; ARGV[1] this request's token ("" for none), ARGV[2] "R" | "S" | "D" | "U",
/// ARGV[3] receipt, ARGV[4] keep ms, ARGV[5] hold lease ms (S: > 0 keeps the claim to deliver).
/// Returns 1 when recorded (or when what it says is known already: an unknown outcome over a
/// settlement, a settlement over a landed payment another request is delivering), 0 for a release
/// of a claim that is not this request's. A settlement (or an unknown one) is recorded even if the lease ran
/// out meanwhile or another request claimed the payment since: what went to the chain must never be
/// forgotten. Delivered is final.
inline constexpr std::string_view kFinishScript = X402GW_CLAIM_LUA_HELPERS R"lua(
local v = redis.call('GET', KEYS[1])
local kind = v and string.sub(v, 1, 2) or ''
local until_ms, token, receipt
if kind == 'H:' then until_ms, token, receipt = held(v) end
local mine_f = ARGV[1] ~= '' and v == 'F:' .. ARGV[1]
local mine_h = ARGV[1] ~= '' and token == ARGV[1]
local code = ARGV[2]
if code == 'R' then
  if mine_f then redis.call('DEL', KEYS[1]) return 1 end
  if mine_h then set_keep_ttl(KEYS[1], 'S:' .. receipt) return 1 end
  return 0
end
if kind == 'D:' then return 1 end
if code == 'D' then
  redis.call('SET', KEYS[1], 'D:' .. ARGV[3], 'PX', ARGV[4])
  return 1
end
if code == 'S' then
  if kind == 'H:' and not mine_h and until_ms and tonumber(until_ms) > now_ms() then return 1 end
  if tonumber(ARGV[5]) > 0 and ARGV[1] ~= '' then
    redis.call('SET', KEYS[1], held_value(ARGV[5], ARGV[1], ARGV[3]), 'PX', ARGV[4])
  else
    redis.call('SET', KEYS[1], 'S:' .. ARGV[3], 'PX', ARGV[4])
  end
  return 1
end
if v and kind ~= 'F:' then return 1 end
redis.call('SET', KEYS[1], 'U:', 'PX', ARGV[4])
return 1
)lua";

/// KEYS[1] claim key; ARGV[1] "S" | "R", ARGV[2] receipt, ARGV[3] keep ms. Resolves an unknown
/// entry: settled becomes landed (its answer was never delivered: the next presentation gets it).
/// Returns 1, or 0 when there was no unknown entry.
inline constexpr std::string_view kResolveScript = R"lua(
if redis.call('GET', KEYS[1]) ~= 'U:' then return 0 end
if ARGV[1] == 'R' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], 'S:' .. ARGV[2], 'PX', ARGV[3]) end
return 1
)lua";

/// KEYS[1] claim key; ARGV[1] this request's token, ARGV[2] lease ms. Returns 1 when the claim is
/// still this request's (its lease now runs ARGV[2] from now), 0 when it is not.
inline constexpr std::string_view kRenewScript = X402GW_CLAIM_LUA_HELPERS R"lua(
local v = redis.call('GET', KEYS[1])
if not v or ARGV[1] == '' then return 0 end
if v == 'F:' .. ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if string.sub(v, 1, 2) ~= 'H:' then return 0 end
local _, token, receipt = held(v)
if token ~= ARGV[1] then return 0 end
set_keep_ttl(KEYS[1], held_value(ARGV[2], ARGV[1], receipt))
return 1
)lua";

#undef X402GW_CLAIM_LUA_HELPERS

/// GCRA on Redis's clock, so that every replica counts against one schedule. KEYS[1] limit key;
/// ARGV[1] emission interval µs, ARGV[2] tolerance µs ((burst - 1) intervals). Returns 1 (allowed) or 0.
inline constexpr std::string_view kLimitScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
if tat - now > tonumber(ARGV[2]) then return 0 end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
return 1
)lua";

/// KEYS[1] claim key; ARGV[1] the receipt this request settled with. Removes the settled entry only
/// if it is still exactly this request's (pay-then-prove frees a hash whose answer never started).
/// Returns 1 when removed, else 0. (Any used state, "S:" or a "D:" delivered one: the receipt, unique
/// to the request, is what is compared.)
inline constexpr std::string_view kRevokeScript = R"lua(
local v = redis.call('GET', KEYS[1])
if v == 'S:' .. ARGV[1] or v == 'D:' .. ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
)lua";

/// Every script, by Script index.
inline constexpr std::array<std::string_view, kScriptCount> kScripts = {kClaimScript, kFinishScript, kResolveScript,
                                                                        kRenewScript, kLimitScript, kRevokeScript};

}  // namespace x402gw::state
