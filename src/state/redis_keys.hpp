#pragma once
// What the gateway keeps in Redis and for how long: the key layout, the encoding of a claim's
// value, and the lease arithmetic. Pure, so that the layout is tested without a server.
//
//   <prefix>claim:<identity>   "F:<token>"   in flight, held by the request that drew <token>; PX lease
//                              "S:<receipt>" landed: settled, its answer not delivered (the settled
//                                            marker, may be empty); PX remember
//                              "H:<lease end ms>:<token>:<receipt>"  landed, being delivered by the
//                                            request that drew <token> until the lease end (Redis's
//                                            clock; renewed); past it, landed again; PX remember
//                              "D:<receipt>" delivered: the answer's head went out; PX remember
//                              "U:"          settlement sent, outcome unknown; PX remember
//                              (pay-then-prove: <identity> is proof:<network>:<hash>; an accepted hash is
//                              "S:accepted:<token>" for max(remember, max_age + 10 min), a refusal for every
//                              route "S:refused:<reason>\n<message>" for 10 min)
//   <prefix>limit:<client>     GCRA theoretical arrival time (µs, Redis's clock); PX until it is moot
#include <chrono>
#include <string>
#include <string_view>

#include "payment/replay_store.hpp"

namespace x402gw::state {

/// The key of a payment's claim.
std::string claim_key(std::string_view prefix, std::string_view identity);
/// The key of a client address's challenge limit.
std::string limit_key(std::string_view prefix, std::string_view client);

/// The value of a claim in flight, held by `token`.
std::string in_flight_value(std::string_view token);
/// The one-letter state the finish/resolve scripts write ("S", "D", "U" or "R" for released).
std::string_view ending_code(payment::Finish how);

/// What a claim found, from the value that was there (a value the gateway did not write: unavailable).
payment::ClaimResult decode_claim(std::string_view value);

/// The lease a claim gets in Redis: what the request asked for, capped by `cap` (it is renewed
/// while the request runs, so a replica that dies frees its claims within `cap`), at least 1 s.
std::chrono::milliseconds redis_lease(std::chrono::milliseconds requested, std::chrono::milliseconds cap);
/// How often the claims held are renewed: three times per lease, so that two renewals can be lost.
std::chrono::milliseconds renew_interval(std::chrono::milliseconds lease);
/// How long a settled or unknown claim is kept: the longer of the ending's own `keep` and `remember`;
/// a brief refusal (delivered, Retention::brief) its own `keep` alone, at least 1 s.
std::chrono::milliseconds keep_for(const payment::Ending& ending, std::chrono::seconds remember);

/// A fresh claim token: 128 random bits, hex.
std::string new_token();

/// GCRA parameters for `rate` per second with `burst`: the emission interval and the tolerance, in µs.
struct GcraParams {
  long long interval_us = 0;
  long long tolerance_us = 0;
};
GcraParams gcra_params(double rate, double burst);

}  // namespace x402gw::state
