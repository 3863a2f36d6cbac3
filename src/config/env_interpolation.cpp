#include "config/env_interpolation.hpp"

#include <cctype>
#include <cstdlib>

namespace x402gw::config {

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::variant<std::string, std::string> interpolate(std::string_view text, const EnvLookup& env) {
  using Result = std::variant<std::string, std::string>;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out += '$';
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return Result(std::in_place_index<1>, "'${' without a closing '}'");
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::optional<std::string_view> fallback;
    if (auto dash = inner.find(":-"); dash != std::string_view::npos) {
      fallback = inner.substr(dash + 2);
      inner = inner.substr(0, dash);
    }
    bool valid = !inner.empty() && !std::isdigit(static_cast<unsigned char>(inner.front()));
    for (char c : inner) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!valid) return Result(std::in_place_index<1>, "'${" + std::string(inner) + "}' is not a valid variable name");
    auto value = env(std::string(inner));
    if (value && !value->empty()) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else if (value) {
      out += *value;
    } else {
      return Result(std::in_place_index<1>,
                    "environment variable " + std::string(inner) + " is not set (write ${" + std::string(inner) +
                        ":-default} to give a default)");
    }
    i = close;
  }
  return Result(std::in_place_index<0>, std::move(out));
}

}  // namespace x402gw::config
