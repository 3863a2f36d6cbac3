#pragma once
// Absolute http(s) URLs of upstreams and facilitators. Pure parsing, no resolution.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/url.hpp"

namespace x402gw::config {

/// An http or https base URL: net's type, parsed here.
using Url = net::Url;

/// Parses "http://host[:port][/path]"; nullopt with `error` set otherwise. Query, fragment and
/// user information are refused.
std::optional<Url> parse_url(std::string_view text, std::string* error);

/// A listen address "host:port", "[::1]:port" or ":port", and how its connections begin.
struct ListenAddress {
  std::string host;        // "" means all interfaces
  uint16_t port = 0;
  bool proxy_protocol = false;  // every connection starts with a PROXY v1/v2 header (from trusted_proxies only)
  std::string to_string() const;
};

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string* error);

}  // namespace x402gw::config
