#include "config/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/strings.hpp"

namespace x402gw::config {
namespace {

std::optional<uint16_t> parse_port(std::string_view s) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

// Splits "host:port" / "[v6]:port" / "host"; port_text empty when absent.
bool split_host_port(std::string_view s, std::string& host, std::string_view& port_text) {
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(s.substr(1, close - 1));
    auto rest = s.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    port_text = rest.empty() ? std::string_view() : rest.substr(1);
    return true;
  }
  auto colon = s.rfind(':');
  if (colon != std::string_view::npos && s.find(':') != colon) return false;  // bare IPv6 needs brackets
  host = std::string(s.substr(0, colon));
  port_text = colon == std::string_view::npos ? std::string_view() : s.substr(colon + 1);
  return true;
}

}  // namespace

std::optional<Url> parse_url(std::string_view text, std::string* error) {
  auto fail = [&](const char* message) -> std::optional<Url> {
    if (error) *error = message;
    return std::nullopt;
  };
  Url u;
  const std::string lower = core::to_lower(text.substr(0, 8));
  if (lower.rfind("https://", 0) == 0) {
    u.tls = true;
    text.remove_prefix(8);
  } else if (lower.rfind("http://", 0) == 0) {
    text.remove_prefix(7);
  } else {
    return fail("the URL must start with http:// or https://");
  }
  if (text.find_first_of("?#") != std::string_view::npos) return fail("the URL must not have a query or fragment");
  auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) return fail("the URL must not contain user information");
  std::string_view port_text;
  if (!split_host_port(authority, u.host, port_text) || u.host.empty()) return fail("the URL has no valid host");
  if (port_text.empty()) {
    u.port = u.tls ? 443 : 80;
  } else if (auto p = parse_port(port_text); p && *p != 0) {
    u.port = *p;
  } else {
    return fail("the URL's port is not a number from 1 to 65535");
  }
  if (slash != std::string_view::npos) {
    std::string_view path = text.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    u.base_path = std::string(path);
  }
  return u;
}

std::string ListenAddress::to_string() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string* error) {
  ListenAddress a;
  std::string_view port_text;
  if (!split_host_port(text, a.host, port_text) || port_text.empty()) {
    if (error) *error = "a listen address is \"host:port\", \"[::1]:port\" or \":port\"";
    return std::nullopt;
  }
  auto port = parse_port(port_text);
  if (!port) {
    if (error) *error = "the listen port is not a number from 0 to 65535";
    return std::nullopt;
  }
  a.port = *port;
  return a;
}

}  // namespace x402gw::config
