#include "config/yaml_reader.hpp"

#include <charconv>

namespace x402gw::config {
namespace {

Diagnostic make(const YAML::Node& at, const std::string& path, std::string message) {
  Diagnostic d;
  if (at.IsDefined() && !at.Mark().is_null()) {
    d.line = at.Mark().line + 1;
    d.column = at.Mark().column + 1;
  }
  d.path = path;
  d.message = std::move(message);
  return d;
}

}  // namespace

std::string Diagnostic::format(const std::string& source) const {
  std::string s = source;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  s += ": ";
  if (!path.empty()) s += path + ": ";
  return s + message;
}

void YamlReader::error(const YAML::Node& at, const std::string& path, std::string message) {
  errors_.push_back(make(at, path, std::move(message)));
}

void YamlReader::warning(const YAML::Node& at, const std::string& path, std::string message) {
  warnings_.push_back(make(at, path, std::move(message)));
}

std::string YamlReader::join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string YamlReader::index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

bool YamlReader::expect_map(const YAML::Node& node, const std::string& path,
                            std::initializer_list<std::string_view> keys) {
  if (!node.IsMap()) {
    error(node, path, "expected a mapping (key: value lines)");
    return false;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = it->first.Scalar();
    bool known = false;
    for (auto k : keys) known = known || k == key;
    if (!known) {
      std::string list;
      for (auto k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
      error(it->first, join(path, key), "unknown key '" + key + "' (known here: " + list + ")");
    }
  }
  return true;
}

std::optional<std::string> YamlReader::scalar(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    error(node, path, "expected a single value, not a list or mapping");
    return std::nullopt;
  }
  auto expanded = interpolate(node.Scalar(), env_);
  if (expanded.index() == 1) {
    error(node, path, std::get<1>(expanded));
    return std::nullopt;
  }
  return std::get<0>(std::move(expanded));
}

std::optional<std::string> YamlReader::string(const YAML::Node& parent, const char* key, const std::string& path,
                                              bool required) {
  YAML::Node node = parent[key];
  if (!node.IsDefined() || node.IsNull()) {
    if (required) error(parent, join(path, key), std::string("'") + key + "' is required");
    return std::nullopt;
  }
  return scalar(node, join(path, key));
}

std::optional<int64_t> YamlReader::integer(const YAML::Node& parent, const char* key, const std::string& path,
                                           int64_t min, int64_t max) {
  auto text = string(parent, key, path);
  if (!text) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size() || v < min || v > max) {
    error(parent[key], join(path, key),
          "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" + *text + "'");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& parent, const char* key, const std::string& path) {
  auto text = string(parent, key, path);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "yes" || *text == "on") return true;
  if (*text == "false" || *text == "no" || *text == "off") return false;
  error(parent[key], join(path, key), "expected true or false, got '" + *text + "'");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> YamlReader::duration(const YAML::Node& parent, const char* key, const std::string& path) {
  auto text = string(parent, key, path);
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d || d->count() == 0) {
    error(parent[key], join(path, key), "expected a positive duration such as 500ms, 30s, 5m or 1h, got '" + *text + "'");
    return std::nullopt;
  }
  return d;
}

std::optional<uint64_t> YamlReader::size(const YAML::Node& parent, const char* key, const std::string& path) {
  auto text = string(parent, key, path);
  if (!text) return std::nullopt;
  auto s = parse_size(*text);
  if (!s) {
    error(parent[key], join(path, key), "expected a size such as 16KiB, 10MiB or a number of bytes, got '" + *text + "'");
    return std::nullopt;
  }
  return s;
}

nlohmann::json YamlReader::to_json(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) {
    nlohmann::json j = nlohmann::json::object();
    for (auto it = node.begin(); it != node.end(); ++it)
      j[it->first.Scalar()] = to_json(it->second, join(path, it->first.Scalar()));
    return j;
  }
  if (node.IsSequence()) {
    nlohmann::json j = nlohmann::json::array();
    for (size_t i = 0; i < node.size(); ++i) j.push_back(to_json(node[i], index(path, i)));
    return j;
  }
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  auto text = scalar(node, path);
  if (!text) return nullptr;
  if (node.Tag() == "?") {  // plain (unquoted) scalar: give it a type
    if (*text == "true") return true;
    if (*text == "false") return false;
    auto number = nlohmann::json::parse(*text, nullptr, false);
    if (!number.is_discarded() && number.is_number()) return number;
  }
  return *text;
}

}  // namespace x402gw::config
