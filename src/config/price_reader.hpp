#pragma once
// The price keys of a route that make its price per request: `price: {from, table, default}`
// (pricing/price_rule) and `pricer:` (an HTTP service). Errors are reported with their line.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"
#include "routing/pattern.hpp"
#include "x402/networks.hpp"

namespace x402gw::config {

/// A price written as text: "$0.01" (the network's USD stablecoin) or "0.5 STX" (a named asset),
/// as atomic units and its asset; nullopt when not usable (reported).
std::optional<std::pair<std::string, const x402::Asset*>> scalar_price(YamlReader& reader, const YAML::Node& node,
                                                                       const std::string& price_path,
                                                                       const x402::Network& network);

/// Whether `price` is a rule (a mapping with `from:`) rather than a fixed price.
bool is_price_rule(const YAML::Node& price);

/// The first price a rule lists (its table's first, else its default): what the route's
/// requirement is built from, so that asset and network are checked once. Undefined if none.
YAML::Node first_rule_price(const YAML::Node& price);

/// Reads `price: {from, table, default}` of a route whose requirement is `requirement` (built from
/// first_rule_price()); every price must be in that requirement's asset. nullopt on errors.
std::optional<pricing::PriceRule> read_price_rule(YamlReader& reader, const YAML::Node& price, const std::string& path,
                                                  const x402::Requirement& requirement, const routing::PathPattern& pattern);

/// Reads `pricer: {url, timeout, cache, headers, fields, body_digest, breaker, ...}`; nullopt on errors.
std::optional<Pricer> read_pricer(YamlReader& reader, const YAML::Node& node, const std::string& path);

}  // namespace x402gw::config
