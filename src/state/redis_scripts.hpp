#pragma once
// The Lua scripts that make every state transition in Redis one atomic round trip. A finish or a
// renewal acts only on the claim its request holds (compare-and-set on the claim's token).
#include <array>
#include <string_view>

namespace x402gw::state {

/// Indexes into kScripts.
enum Script { kClaim = 0, kFinish, kResolve, kRenew, kLimit, kRevoke, kScriptCount };

/// KEYS[1] claim key; ARGV[1] in-flight value, ARGV[2] lease ms.
/// Returns nil when the claim is now this request's, else the value found (see redis_keys.hpp).
inline constexpr std::string_view kClaimScript = R"lua(
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
return false
)lua";

/// KEYS[1] claim key; ARGV[1] in-flight value of this request, ARGV[2] "S" | "U" | "R",
/// ARGV[3] receipt, ARGV[4] keep ms. Returns 1 when recorded, 0 when nothing was (a release of a
/// claim that is not this request's any more, or a settlement already recorded by another). A settlement (or an unknown one) is recorded even if the lease ran out meanwhile or
/// another request claimed the payment since: what went to the chain must never be forgotten.
inline constexpr std::string_view kFinishScript = R"lua(
local v = redis.call('GET', KEYS[1])
if ARGV[2] == 'R' then
  if v == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
  return 0
end
if v and v ~= ARGV[1] and string.sub(v, 1, 2) ~= 'F:' then return 0 end
redis.call('SET', KEYS[1], ARGV[2] .. ':' .. ARGV[3], 'PX', ARGV[4])
return 1
)lua";

/// KEYS[1] claim key; ARGV[1] "S" | "R", ARGV[2] receipt, ARGV[3] keep ms. Resolves an unknown
/// entry; returns 1, or 0 when there was no unknown entry.
inline constexpr std::string_view kResolveScript = R"lua(
if redis.call('GET', KEYS[1]) ~= 'U:' then return 0 end
if ARGV[1] == 'R' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], 'S:' .. ARGV[2], 'PX', ARGV[3]) end
return 1
)lua";

/// KEYS[1] claim key; ARGV[1] in-flight value of this request, ARGV[2] lease ms.
inline constexpr std::string_view kRenewScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

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
