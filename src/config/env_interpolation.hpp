#pragma once
// ${VAR} and ${VAR:-default} in configuration strings; "$$" stands for a literal '$'. A lone '$'
// (as in "$0.01") is left alone.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace x402gw::config {

/// Looks a variable up; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
EnvLookup process_environment();

/// Expands a string, or returns an error sentence naming the first unset variable or bad syntax.
std::variant<std::string, std::string> interpolate(std::string_view text, const EnvLookup& env);

}  // namespace x402gw::config
