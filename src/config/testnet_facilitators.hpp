#pragma once
// Offline, at load: a priced route that sells on a mainnet through a facilitator known to settle
// testnets only (the public x402.org facilitator, as its documentation says) takes no money. That
// is the example most often copied, so --check warns with the route's line; --check --online asks
// the facilitators themselves what they settle.
#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace x402gw::config {

/// Whether `url` is a facilitator known to settle testnets only.
bool settles_testnets_only(const Url& url);

/// A warning for each priced route whose first facilitator settles testnets only while the route
/// sells on a mainnet (payments go to the first facilitator that answers; its refusal is final).
void warn_mainnet_on_testnet_facilitator(YamlReader& r, const YAML::Node& routes, const Config& c);

}  // namespace x402gw::config
