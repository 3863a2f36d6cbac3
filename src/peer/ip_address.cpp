#include "peer/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace x402gw::peer {
namespace {

bool is_v4_mapped(const uint8_t* b) {
  static constexpr uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, prefix, 12) == 0;
}

}  // namespace

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data(), text, sizeof text);
  return text;
}

IpAddress ip_from_bytes(const uint8_t* bytes, size_t size) {
  IpAddress a;
  if (size == 16 && !is_v4_mapped(bytes)) {
    a.v4 = false;
    std::copy(bytes, bytes + 16, a.bytes.begin());
  } else {
    std::copy(bytes + (size == 16 ? 12 : 0), bytes + size, a.bytes.begin());
  }
  return a;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  // inet_pton needs a terminated string; anything longer than an address is not one.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  uint8_t bytes[16];
  if (inet_pton(AF_INET, buf, bytes) == 1) return ip_from_bytes(bytes, 4);
  if (inet_pton(AF_INET6, buf, bytes) == 1) return ip_from_bytes(bytes, 16);
  return std::nullopt;
}

}  // namespace x402gw::peer
