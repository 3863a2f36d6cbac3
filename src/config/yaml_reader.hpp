#pragma once
// Typed, error-collecting reads from a yaml-cpp tree. Every bad or missing value becomes one
// Diagnostic with its line; reading goes on so that one run reports every mistake.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostics.hpp"
#include "config/duration.hpp"
#include "config/env_interpolation.hpp"

namespace x402gw::config {

/// Reads values out of YAML nodes, collecting diagnostics.
class YamlReader {
 public:
  YamlReader(EnvLookup env, Diagnostics& errors, Diagnostics& warnings)
      : env_(std::move(env)), errors_(errors), warnings_(warnings) {}

  void error(const YAML::Node& at, const std::string& path, std::string message);
  void warning(const YAML::Node& at, const std::string& path, std::string message);
  bool ok() const { return errors_.empty(); }

  /// True when `node` is a map; otherwise reports it. Unknown keys are reported too.
  bool expect_map(const YAML::Node& node, const std::string& path, std::initializer_list<std::string_view> keys);

  /// A string scalar with ${ENV} expanded; nullopt (and a diagnostic if `required`) when absent or bad.
  std::optional<std::string> string(const YAML::Node& parent, const char* key, const std::string& path,
                                    bool required = false);
  /// The same for a node that is itself the scalar.
  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path);

  std::optional<int64_t> integer(const YAML::Node& parent, const char* key, const std::string& path, int64_t min,
                                 int64_t max);
  std::optional<bool> boolean(const YAML::Node& parent, const char* key, const std::string& path);
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& parent, const char* key, const std::string& path);
  std::optional<uint64_t> size(const YAML::Node& parent, const char* key, const std::string& path);

  /// Any YAML value as JSON (strings interpolated); plain scalars become numbers, booleans or null
  /// where they read as such, quoted ones stay strings.
  nlohmann::json to_json(const YAML::Node& node, const std::string& path);

  static std::string join(const std::string& path, std::string_view key);
  static std::string index(const std::string& path, size_t i);

 private:
  EnvLookup env_;
  Diagnostics& errors_;
  Diagnostics& warnings_;
};

}  // namespace x402gw::config
