#pragma once
// The route table: which configured route a request belongs to. First match in file order wins.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/pattern.hpp"

namespace x402gw::routing {

/// What a route matches on.
struct RouteMatcher {
  std::string method;     // upper case; empty: any method
  std::string host;       // lower case host without port; empty: any host
  PathPattern pattern;
};

/// Parses "GET /api/weather" or "/public/*" into a matcher; nullopt with `error` set on failure.
std::optional<RouteMatcher> parse_match(std::string_view text, std::string_view host, std::string* error);

/// An ordered list of matchers.
class RouteTable {
 public:
  void add(RouteMatcher m) { routes_.push_back(std::move(m)); }

  /// The index of the first route that matches, if any. HEAD requests match GET routes, so a priced
  /// GET cannot be probed for free with HEAD. `host` may carry a port; it is ignored here.
  std::optional<size_t> find(std::string_view method, std::string_view host, std::string_view match_key) const;

  size_t size() const { return routes_.size(); }

 private:
  std::vector<RouteMatcher> routes_;
};

}  // namespace x402gw::routing
