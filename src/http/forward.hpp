#pragma once
// Forward declarations of the services a session reaches through pointers, so that headers which
// only pass them along need not include them.

namespace x402gw::metrics {
class GatewayMetrics;
}
namespace x402gw::payment {
class ReplayGuard;
}
namespace x402gw::http {
class AccessLog;
class RateLimiter;
class ReadWatchdog;
}  // namespace x402gw::http
