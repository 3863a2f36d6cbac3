#include "peer/forwarded_for.hpp"

#include <algorithm>

namespace x402gw::peer {

std::optional<IpAddress> parse_forwarded_entry(std::string_view entry) {
  while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
  while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
  if (entry.empty()) return std::nullopt;
  if (entry.front() == '[') {
    const size_t close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = entry.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    auto address = parse_ip(entry.substr(1, close - 1));
    if (!address || address->v4) return std::nullopt;
    return address;
  }
  // One colon: IPv4 with a port. More: a bare IPv6 address.
  const size_t colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    auto address = parse_ip(entry.substr(0, colon));
    if (!address || !address->v4) return std::nullopt;
    return address;
  }
  return parse_ip(entry);
}

std::vector<IpAddress> believed_chain(const std::optional<IpAddress>& hop, const std::vector<std::string_view>& forwarded_for,
                                      const TrustedProxies& trusted) {
  std::vector<IpAddress> chain;  // built right to left, reversed at the end
  if (!hop) return chain;
  chain.push_back(*hop);
  if (!trusted.contains(*hop)) return chain;
  for (auto field = forwarded_for.rbegin(); field != forwarded_for.rend(); ++field) {
    std::string_view value = *field;
    for (;;) {
      const size_t comma = value.rfind(',');
      const std::string_view entry = comma == std::string_view::npos ? value : value.substr(comma + 1);
      auto address = parse_forwarded_entry(entry);
      if (!address) {  // the walk ends at the trusted hop right of it
        std::reverse(chain.begin(), chain.end());
        return chain;
      }
      chain.push_back(*address);
      if (!trusted.contains(*address)) {
        std::reverse(chain.begin(), chain.end());
        return chain;
      }
      if (comma == std::string_view::npos) break;
      value = value.substr(0, comma);
    }
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

IpAddress client_address(const IpAddress& hop, const std::vector<std::string_view>& forwarded_for,
                         const TrustedProxies& trusted) {
  return believed_chain(hop, forwarded_for, trusted).front();
}

}  // namespace x402gw::peer
