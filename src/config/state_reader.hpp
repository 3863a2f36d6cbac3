#pragma once
// The `state:` section of the configuration file, read on its own so that other state keys merge easily.
#include <yaml-cpp/yaml.h>

#include "config/state.hpp"
#include "config/yaml_reader.hpp"

namespace x402gw::config {

/// Reads `state:` into `s`, reporting every mistake with its line.
void read_state(YamlReader& r, const YAML::Node& node, State& s);

}  // namespace x402gw::config
