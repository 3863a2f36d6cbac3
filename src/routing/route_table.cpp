#include "routing/route_table.hpp"

#include <algorithm>
#include <cctype>

#include "core/strings.hpp"
#include "routing/host.hpp"

namespace x402gw::routing {
namespace {

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}

// Methods are case-sensitive tokens (RFC 9110), but frameworks behind the gateway upper-case
// them: "get" must meet the route "GET" would, or it reaches a priced handler for free.
bool method_equals(std::string_view route_method, std::string_view request_method) {
  return core::iequals(route_method, request_method);  // route methods are stored in upper case
}

}  // namespace

std::optional<RouteMatcher> parse_match(std::string_view text, std::string_view host, std::string* error) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::string method;
  if (auto space = text.find(' '); space != std::string_view::npos) {
    method = std::string(text.substr(0, space));
    text = text.substr(text.find_first_not_of(' ', space));
    if (!is_token(method)) {
      if (error) *error = "the method in '" + method + " ...' must be an upper-case HTTP method such as GET";
      return std::nullopt;
    }
  }
  auto pattern = PathPattern::compile(text, error);
  if (!pattern) return std::nullopt;
  // The configured host is compared with the request's canonical host, so it is made canonical
  // the same way; one that can never equal a request's host is an error, not a dead route.
  std::string canonical_host;
  if (!host.empty()) {
    auto authority = parse_authority(host);
    if (!authority || authority->port) {
      if (error) *error = "the host '" + std::string(host) + "' must be a host name or IP address, without port";
      return std::nullopt;
    }
    canonical_host = std::move(authority->host);
  }
  return RouteMatcher{std::move(method), std::move(canonical_host), std::move(*pattern)};
}

void RouteTable::add(RouteMatcher m) {
  // The segments the literal prefix fixes: each one ended by '/', and the last one too when the
  // pattern is literal through its end.
  std::string_view fixed = m.pattern.literal_prefix();
  if (!fixed.empty()) fixed.remove_prefix(1);  // the leading '/'
  uint32_t node = 0;
  for (;;) {
    size_t slash = fixed.find('/');
    if (slash == std::string_view::npos && !(m.pattern.is_literal() && !fixed.empty())) break;
    std::string segment(fixed.substr(0, slash));
    auto [it, inserted] = nodes_[node].children.try_emplace(std::move(segment), static_cast<uint32_t>(nodes_.size()));
    if (inserted) nodes_.emplace_back();
    node = it->second;
    if (slash == std::string_view::npos) break;
    fixed.remove_prefix(slash + 1);
  }
  nodes_[node].routes.push_back(static_cast<uint32_t>(routes_.size()));
  routes_.push_back(std::move(m));
}

std::optional<size_t> RouteTable::find(std::string_view method, std::string_view host, std::string_view key) const {
  return find(method, parse_authority(host), key);
}

std::optional<size_t> RouteTable::find(std::string_view method, const std::optional<Authority>& host,
                                       std::string_view key) const {
  auto host_matches = [&](const std::string& route_host) { return host && host->host == route_host; };
  auto matches = [&](uint32_t i) {
    const RouteMatcher& r = routes_[i];
    if (!r.method.empty() && !method_equals(r.method, method) && !(r.method == "GET" && method_equals("HEAD", method)))
      return false;
    if (!r.host.empty() && !host_matches(r.host)) return false;
    return r.pattern.matches(key);
  };
  // Walk the key's segments down the trie; on each node passed, the first matching route there
  // is a candidate, and the earliest candidate in file order wins.
  std::optional<uint32_t> best;
  auto consider = [&](const Node& n) {
    for (uint32_t i : n.routes) {
      if (best && i >= *best) return;
      if (matches(i)) { best = i; return; }
    }
  };
  const Node* node = &nodes_[0];
  consider(*node);
  std::string_view rest = key.empty() ? key : key.substr(1);
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    auto it = node->children.find(segment);
    if (it == node->children.end()) break;
    node = &nodes_[it->second];
    consider(*node);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace x402gw::routing
