#pragma once
// Reads a route's `meter:` (bytes, time or a JSON path, and a price per unit) into its MeterSpec,
// checking it against the route it is on: an `upto` requirement and a price in the route's own
// asset.
#include <yaml-cpp/yaml.h>

#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace x402gw::config {

/// Reads `node["meter"]` into `route.meter` once the route's requirements and settlement are
/// known. True when there is no meter or it is sound; false when a mistake was reported.
bool read_meter(YamlReader& reader, const YAML::Node& node, const std::string& path, Route& route);

}  // namespace x402gw::config
