#include "config/state.hpp"

#include <charconv>

namespace x402gw::config {

std::string RedisAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + std::to_string(db);
}

std::optional<RedisAddress> parse_redis_url(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<RedisAddress> {
    if (error) *error = why;
    return std::nullopt;
  };
  constexpr std::string_view scheme = "redis://";
  if (text.substr(0, 9) == "rediss://") return fail("rediss:// (TLS to Redis) is not supported; use redis:// on a private network");
  if (text.substr(0, scheme.size()) != scheme) return fail("the Redis URL must start with redis://");
  std::string_view rest = text.substr(scheme.size());
  RedisAddress a;
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = authority.size() < rest.size() ? rest.substr(authority.size() + 1) : std::string_view();
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view user_info = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = user_info.find(':');
    if (colon == std::string_view::npos) return fail("the Redis URL's user information must be ':password' (or 'user:password')");
    if (colon != 0) return fail("Redis ACL user names are not supported; give only ':password'");
    a.password = std::string(user_info.substr(colon + 1));
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("the Redis URL has an unclosed '[' in its host");
    a.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return fail("the Redis URL has text after its IPv6 host");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    auto colon = authority.find(':');
    a.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (a.host.empty()) return fail("the Redis URL names no host");
  if (!port_text.empty() || authority.find(':') != std::string_view::npos) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return fail("the Redis URL's port must be a number from 1 to 65535");
    a.port = static_cast<uint16_t>(port);
  }
  if (!path.empty()) {
    auto [p, ec] = std::from_chars(path.data(), path.data() + path.size(), a.db);
    if (ec != std::errc() || p != path.data() + path.size() || a.db < 0 || a.db > 15)
      return fail("the Redis URL's path must be a database number from 0 to 15");
  }
  if (text.find_first_of("?#") != std::string_view::npos) return fail("the Redis URL may not have a query or fragment");
  return a;
}

}  // namespace x402gw::config
