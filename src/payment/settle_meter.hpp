#pragma once
// The seam where a route's meter reads a held upto answer (issue 21's meters: response bytes, wall
// time, a number at a JSON path). The paid flow asks it only when the upstream named no charge
// itself (Settlement-Overrides wins); pricing::decide_settle_amount clamps what it reads.
#include <chrono>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "upstream/delivery.hpp"
#include "x402/requirements.hpp"

namespace x402gw::payment {

/// What `route`'s meter reads from the held answer, in atomic units of `requirement`'s asset;
/// nullopt when the route has no meter (the maximum is then settled).
std::optional<std::string> read_meter(const config::Route& route, const x402::Requirement& requirement,
                                      const upstream::HeldResponse& answer, std::chrono::microseconds upstream_time);

}  // namespace x402gw::payment
