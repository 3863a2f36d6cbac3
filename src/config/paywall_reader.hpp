#pragma once
// Reads a `paywall:` section (global, or a route's overrides of it).
#include <yaml-cpp/yaml.h>

#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace x402gw::config {

/// Applies the `paywall:` map at `node` (absent: nothing) over `into`. `paywall: false` turns it
/// off. A template_file is read and checked here, so a reload re-reads it.
void read_paywall(YamlReader& reader, const YAML::Node& node, const std::string& path, Paywall& into);

}  // namespace x402gw::config
