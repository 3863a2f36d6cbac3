#pragma once
// YAML text -> Config, with every mistake reported with its line.
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/env_interpolation.hpp"

namespace x402gw::config {

/// The outcome of loading: a config when there were no errors, and every diagnostic either way.
struct LoadResult {
  std::shared_ptr<Config> config;  // null when errors is not empty
  Diagnostics errors;
  Diagnostics warnings;
  std::string source;

  /// All errors, then all warnings, one formatted line each.
  std::string report() const;
};

/// Loads configuration from YAML text. `source` names the file in messages.
LoadResult load_config_text(std::string_view yaml, std::string source, const EnvLookup& env);

/// A generation number no configuration of this process has had (for a configuration derived
/// from a loaded one, e.g. completed from the facilitators' /supported).
uint64_t next_generation();

/// Reads and loads a file.
LoadResult load_config_file(const std::string& path, const EnvLookup& env);

}  // namespace x402gw::config
