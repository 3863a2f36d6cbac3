#pragma once
// Reading JSON from outside (a client's payment header, a facilitator's answer) into nlohmann::json
// with Boost.JSON's lexer, which costs a fraction of nlohmann's character-at-a-time one. The value
// built is the one nlohmann::json::parse would build, so every canonical form written from it (the
// payment digest, the facilitator body) stays byte for byte what it was:
// - numbers are classified and converted from their own text as nlohmann does (unsigned, then
//   signed, then strtod; a number that overflows a double is an error);
// - a repeated key keeps its last value; a leading UTF-8 byte order mark is skipped;
// - invalid UTF-8, lone surrogates, comments and trailing commas are errors.
// One difference, on purpose: nesting deeper than kMaxJsonDepth is refused (nlohmann has no limit;
// no message the gateway reads is more than a few levels deep).
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace x402gw::core {

/// Deepest nesting of arrays and objects read_json accepts.
inline constexpr size_t kMaxJsonDepth = 256;

/// The JSON document in `text`, or nullopt if it is not exactly one valid JSON value (surrounding
/// whitespace allowed) or nests deeper than kMaxJsonDepth.
std::optional<nlohmann::json> read_json(std::string_view text);

}  // namespace x402gw::core
