#pragma once
// The route table: which configured route a request belongs to. First match in file order wins.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/host.hpp"
#include "routing/pattern.hpp"

namespace x402gw::routing {

/// What a route matches on.
struct RouteMatcher {
  std::string method;     // upper case; empty: any method
  std::string host;       // canonical host (parse_authority), without port; empty: any host
  PathPattern pattern;
};

/// Parses "GET /api/weather" or "/public/*" and a host ("" for any; no port) into a matcher;
/// nullopt with `error` set on failure.
std::optional<RouteMatcher> parse_match(std::string_view text, std::string_view host, std::string* error);

/// An ordered list of matchers, indexed by the path segments their patterns fix, so that finding a
/// route costs the same with 10 routes or 10,000: only routes whose literal segments agree with
/// the request's path are tried, in file order.
class RouteTable {
 public:
  RouteTable() : nodes_(1) {}
  void add(RouteMatcher m);

  /// The index of the first route that matches, if any. The method matches whatever its case, and
  /// HEAD requests match GET routes, so a priced GET cannot be probed for free with HEAD or "get".
  /// `host` is the request's raw authority (Host header value or absolute-form authority, port
  /// allowed): it is made canonical with parse_authority (case, trailing dot, IPv6 spelling) before
  /// it is compared, and one that does not parse matches no host-restricted route.
  std::optional<size_t> find(std::string_view method, std::string_view host, std::string_view match_key) const;
  /// The same with the host already made canonical by parse_authority (nullopt: no valid host).
  std::optional<size_t> find(std::string_view method, const std::optional<Authority>& host,
                             std::string_view match_key) const;

  size_t size() const { return routes_.size(); }

 private:
  // A trie over whole path segments. A route hangs on the node of the segments its pattern's
  // literal prefix fixes completely ("/api/v1/*" on api -> v1; "/*" and "/ab*" on the root):
  // any key it matches passes through that node.
  struct SegmentHash {
    using is_transparent = void;  // lookups by string_view, without building a string
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Node {
    std::unordered_map<std::string, uint32_t, SegmentHash, std::equal_to<>> children;  // segment -> index into nodes_
    std::vector<uint32_t> routes;                        // indices into routes_, ascending
  };
  std::vector<RouteMatcher> routes_;
  std::vector<Node> nodes_;
};

}  // namespace x402gw::routing
