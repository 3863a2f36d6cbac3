#pragma once
// The `admin:` section of the configuration file, read on its own (as state_reader is).
#include <optional>

#include "config/admin.hpp"
#include "config/url.hpp"
#include "config/yaml_reader.hpp"

namespace x402gw::config {

/// Reads `admin:` (a key of `root`) into `a` (token, token_file, protect_metrics), reporting
/// mistakes with their line; warns when control endpoints would be refused (no token, admin
/// listener off loopback).
void read_admin(YamlReader& r, const YAML::Node& root, const std::optional<ListenAddress>& listen, Admin& a);

}  // namespace x402gw::config
