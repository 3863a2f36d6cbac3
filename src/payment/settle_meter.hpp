#pragma once
// The seam where a route's meter reads a held upto answer (issue 21's meters: response bytes, wall
// time, a number at a JSON path). The paid flow asks it only when the upstream named no charge
// itself (Settlement-Overrides wins); pricing::decide_settle_amount clamps what it reads.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "metrics/gateway_metrics.hpp"
#include "upstream/delivery.hpp"

namespace x402gw::payment {

/// What `route`'s meter reads from the held answer, in atomic units of the asset of the route's
/// requirement `index` (the one paid with); nullopt when the route has no meter for it (the maximum
/// is then settled). An answer that does not say what the meter reads (json: the path is missing or not a
/// non-negative number) is charged `maximum`, logged and counted in `metrics` (if any): see
/// pricing/meters.hpp for why not nothing. `maximum` is what this request's payment authorized
/// (its requirement's amount): a price from the request or a pricer's "max" differs from the
/// route's configured requirement, whose amount is then a placeholder. A JSON meter charges "0" for
/// an answer without content by HTTP (`head_request`, 204, 304): it sold nothing the meter counts.
std::optional<std::string> read_meter(const config::Route& route, size_t index, std::string_view maximum, const upstream::HeldResponse& answer,
                                      bool head_request, std::chrono::microseconds upstream_time, metrics::GatewayMetrics* metrics = nullptr);

}  // namespace x402gw::payment
