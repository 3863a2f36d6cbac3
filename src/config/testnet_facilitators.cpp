#include "config/testnet_facilitators.hpp"

#include "core/strings.hpp"
#include "x402/network_labels.hpp"

namespace x402gw::config {

bool settles_testnets_only(const Url& url) {
  const std::string host = core::to_lower(url.host);
  return (host == "x402.org" || host == "www.x402.org") && (url.base_path == "/facilitator" || url.base_path.empty());
}

void warn_mainnet_on_testnet_facilitator(YamlReader& r, const YAML::Node& routes, const Config& c) {
  if (!routes.IsSequence()) return;
  for (size_t i = 0; i < c.routes.size(); ++i) {
    const Route& route = c.routes[i];
    if (!route.priced || route.facilitators.empty()) continue;
    const Facilitator& first = c.facilitators.at(route.facilitators.front());
    if (!settles_testnets_only(first.url)) continue;
    for (const auto& q : route.requirements) {
      if (x402::label_network(q.network).testnet != false) continue;  // a testnet, or cannot tell
      // The route's own node (a route that did not load leaves a gap in c.routes: match its line).
      size_t n = 0;
      while (n < routes.size() && !(routes[n].Mark().line + 1 == route.line)) ++n;
      r.warning(n < routes.size() ? routes[n] : routes, YamlReader::index("routes", n < routes.size() ? n : i),
                "route '" + route.name + "' sells on " + x402::describe_network(q.network) + " through facilitator '" +
                    first.name + "' (" + first.url.scheme() + "://" + first.url.host + first.url.base_path +
                    "), which settles testnets only: it takes no money. Use a facilitator that settles mainnet "
                    "payments first (e.g. CDP with auth: {type: cdp}, or PayAI); --check --online asks each one");
      break;  // one warning per route
    }
  }
}

}  // namespace x402gw::config
