#pragma once
// The pure decisions of failover: whether an attempt at one facilitator failed (for its breaker),
// and whether the same call may go on to the next facilitator of the route. /verify and
// /supported change nothing, so any sign of an unhealthy facilitator moves on. /settle moves on
// only when the request provably never reached the facilitator: once it may have been written,
// the payment may have settled there, and a second settlement elsewhere could charge twice.
#include <optional>

#include "core/error.hpp"

namespace x402gw::facilitator {

/// Which facilitator endpoint a call goes to.
enum class Call { verify, settle, supported };

/// What one attempt came to, as far as failover cares.
struct AttemptResult {
  std::optional<core::Error> error;  // no usable answer
  unsigned status = 0;               // the HTTP status when an answer came (0: none)
};

/// Whether the attempt counts against the facilitator's breaker: no answer, a broken answer, 5xx
/// or 429. A well-formed refusal (an invalid payment, a failed settlement) is a healthy answer.
bool is_failure(const AttemptResult& attempt);

/// Whether the call may be tried at the next facilitator after this attempt.
bool may_try_next(Call call, const AttemptResult& attempt);

/// Whether the error proves that the request never reached the facilitator (it was not written:
/// name resolution, TCP connect or the TLS handshake failed).
bool never_sent(core::Error e);

}  // namespace x402gw::facilitator
