#include "routing/route_table.hpp"

#include <algorithm>
#include <cctype>

namespace x402gw::routing {
namespace {

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}

bool host_equals(std::string_view configured, std::string_view request_host) {
  // Strip the port, then compare case-insensitively. IPv6 literals keep their brackets.
  if (auto colon = request_host.rfind(':'); colon != std::string_view::npos && request_host.find(']') == std::string_view::npos)
    request_host = request_host.substr(0, colon);
  else if (auto bracket = request_host.find("]:"); bracket != std::string_view::npos)
    request_host = request_host.substr(0, bracket + 1);
  return configured.size() == request_host.size() &&
         std::equal(configured.begin(), configured.end(), request_host.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
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
  std::string lower_host;
  for (char c : host) lower_host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return RouteMatcher{std::move(method), std::move(lower_host), std::move(*pattern)};
}

std::optional<size_t> RouteTable::find(std::string_view method, std::string_view host, std::string_view key) const {
  for (size_t i = 0; i < routes_.size(); ++i) {
    const RouteMatcher& r = routes_[i];
    if (!r.method.empty() && r.method != method && !(method == "HEAD" && r.method == "GET")) continue;
    if (!r.host.empty() && !host_equals(r.host, host)) continue;
    if (r.pattern.matches(key)) return i;
  }
  return std::nullopt;
}

}  // namespace x402gw::routing
