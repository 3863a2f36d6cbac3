#include "facilitator/failover_policy.hpp"

namespace x402gw::facilitator {

using core::Error;

bool never_sent(Error e) {
  switch (e) {
    case Error::facilitator_resolve:
    case Error::facilitator_connect:
    case Error::facilitator_connect_timeout:
    case Error::facilitator_tls:
    case Error::facilitator_circuit_open: return true;
    default: return false;
  }
}

bool is_failure(const AttemptResult& a) {
  if (a.status >= 500 || a.status == 429) return true;
  if (!a.error) return false;
  // A 4xx without a body we understand (401, 404): the facilitator is up but will not serve us;
  // its breaker would not help, the configuration must change.
  if (*a.error == Error::facilitator_status) return a.status == 0 || a.status >= 500;
  return core::is_facilitator(*a.error);
}

bool may_try_next(Call call, const AttemptResult& a) {
  if (call == Call::settle) return a.error && never_sent(*a.error);
  return is_failure(a);
}

}  // namespace x402gw::facilitator
