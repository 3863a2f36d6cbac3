#include "state/redis_keys.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace x402gw::state {

using payment::Claim;
using payment::ClaimResult;

std::string claim_key(std::string_view prefix, std::string_view identity) {
  std::string key;
  key.reserve(prefix.size() + 6 + identity.size());
  key.append(prefix).append("claim:").append(identity);
  return key;
}

std::string limit_key(std::string_view prefix, std::string_view client) {
  std::string key;
  key.reserve(prefix.size() + 6 + client.size());
  key.append(prefix).append("limit:").append(client);
  return key;
}

std::string in_flight_value(std::string_view token) { return "F:" + std::string(token); }

std::string_view ending_code(payment::Finish how) {
  switch (how) {
    case payment::Finish::settled: return "S";
    case payment::Finish::delivered: return "D";
    case payment::Finish::unknown: return "U";
    case payment::Finish::released: return "R";
  }
  return "R";
}

ClaimResult decode_claim(std::string_view value) {
  if (value.size() < 2 || value[1] != ':') return {Claim::unavailable, {}};
  switch (value[0]) {
    case 'F': return {Claim::in_flight, {}};
    case 'S': return {Claim::landed, std::string(value.substr(2))};  // the claim script took it: see kClaimScript
    case 'D': return {Claim::delivered, std::string(value.substr(2))};
    case 'U': return {Claim::outcome_unknown, {}};
    default: return {Claim::unavailable, {}};
  }
}

std::chrono::milliseconds redis_lease(std::chrono::milliseconds requested, std::chrono::milliseconds cap) {
  return std::max(std::min(requested, cap), std::chrono::milliseconds(1000));
}

std::chrono::milliseconds renew_interval(std::chrono::milliseconds lease) { return lease / 3; }

std::chrono::milliseconds keep_for(const payment::Ending& ending, std::chrono::seconds remember) {
  // A brief refusal lives its own short time (PX must be positive): `remember` is for payments.
  // Only a used-up (delivered) entry may be brief: a landed one's answer is owed (R2).
  if (ending.how == payment::Finish::delivered && ending.retention == payment::Retention::brief)
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::max(ending.keep, std::chrono::seconds(1)));
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::max(ending.keep, remember));
}

std::string new_token() {
  thread_local std::mt19937_64 random{std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32)};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) token[half * 16 + i] = kHex[bits & 15];
  }
  return token;
}

GcraParams gcra_params(double rate, double burst) {
  GcraParams p;
  if (rate <= 0) return p;
  p.interval_us = std::max<long long>(1, std::llround(1e6 / rate));
  p.tolerance_us = std::llround(std::max(0.0, burst - 1) * static_cast<double>(p.interval_us));
  return p;
}

}  // namespace x402gw::state
