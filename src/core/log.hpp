#pragma once
// The gateway's own event log: JSON lines on stderr. The bottom of the dependency graph: every
// module may log.
#include <nlohmann/json.hpp>
#include <string_view>

namespace x402gw::core {

/// Writes {"time", "level", "msg", ...fields} to stderr as one line.
void log_event(std::string_view level, std::string_view message, nlohmann::json fields = nlohmann::json::object());

}  // namespace x402gw::core
