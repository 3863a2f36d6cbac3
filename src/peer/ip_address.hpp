#pragma once
// IP addresses as plain values, without sockets: parsed from and written as text, compared and
// masked bit by bit. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps,
// so that a dual-stack socket and an IPv4 CIDR agree on who a peer is.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace x402gw::peer {

/// An IPv4 or IPv6 address.
struct IpAddress {
  bool v4 = true;
  std::array<uint8_t, 16> bytes{};  // IPv4: the first 4 bytes

  size_t size() const { return v4 ? 4 : 16; }
  /// The usual text form (dotted quad, or RFC 5952 IPv6 without brackets).
  std::string to_string() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

/// Parses "a.b.c.d" or an IPv6 address (no brackets, no zone); IPv4-mapped IPv6 becomes IPv4.
std::optional<IpAddress> parse_ip(std::string_view text);

/// An address from raw network-order bytes (4 or 16 of them); IPv4-mapped IPv6 becomes IPv4.
IpAddress ip_from_bytes(const uint8_t* bytes, size_t size);

}  // namespace x402gw::peer
