#pragma once
// Turns one `routes:` entry into a Route: its matcher, its upstream and facilitator, and its
// payment requirements resolved to atomic amounts and asset addresses.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace x402gw::config {

/// The `payment:` section: defaults that every priced route inherits.
struct PaymentDefaults {
  std::string pay_to;
  std::string network;
  std::string scheme = "exact";
  std::vector<std::string> facilitators;  // names, in failover order
  std::string fee_payer;
  int max_timeout_seconds = 60;
  Settlement settlement = Settlement::after;
  std::string payer_header = "X-Payment-Payer";
  bool forward_payment_header = false;
  Paywall paywall;                  // the global `paywall:`; a route's own overrides it
};

/// Reads the `payment:` section.
PaymentDefaults read_payment_defaults(YamlReader& reader, const YAML::Node& node);

/// Reads one route; nullopt when it has errors (already reported). `config` supplies the upstreams
/// and facilitators to resolve names against; the route's matcher is appended to `table`.
std::optional<Route> read_route(YamlReader& reader, const YAML::Node& node, const std::string& path,
                                const Config& config, const PaymentDefaults& defaults,
                                routing::RouteTable& table);

}  // namespace x402gw::config
