#pragma once
// The flow of one request to a priced route: challenge, decode, match, verify, forward, settle,
// receipt. Fails closed: nothing reaches the upstream before the facilitator has verified the
// payment, and a settle-after response is never released before its settlement succeeded.
#include "http/exchange.hpp"

namespace x402gw::payment {

/// Handles an exchange whose route is priced.
awaitable<void> handle_priced(http::Exchange& ex);

}  // namespace x402gw::payment
