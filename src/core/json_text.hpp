#pragma once
// Serialising JSON that may hold bytes from outside (a client's header, a facilitator's reason):
// invalid UTF-8 is replaced by U+FFFD instead of throwing, so no input can turn a reply into an
// exception. Every JSON text the gateway writes goes through here.
#include <nlohmann/json.hpp>
#include <string>

namespace x402gw::core {

/// Compact JSON text; never throws on invalid UTF-8. Byte for byte
/// `value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)` (keys sorted), written
/// faster: plain strings and integers directly, anything else by nlohmann itself.
std::string json_text(const nlohmann::json& value);

/// json_text(value) appended to `out`.
void append_json_text(std::string& out, const nlohmann::json& value);

}  // namespace x402gw::core
