#pragma once
// A route's `bazaar:` block: what the route takes and returns, written as the x402 `bazaar`
// discovery extension ({info, schema}) that the 402's `extensions` and /.well-known/x402 carry,
// so that facilitators' catalogs (and agents) learn how to call it. The shape is the reference
// helpers' (@x402/extensions declareDiscoveryExtension, enriched with the route's method).
#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "config/yaml_reader.hpp"

namespace x402gw::config {

/// The extension for `node["bazaar"]` of the route at `path` whose match names `method` ("" for
/// any method); null when absent or on error (reported with its line).
nlohmann::json read_bazaar(YamlReader& reader, const YAML::Node& node, const std::string& path, const std::string& method,
                           bool priced);

}  // namespace x402gw::config
