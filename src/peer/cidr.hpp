#pragma once
// Address ranges in CIDR notation, and the list of proxies whose word about a client is taken.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peer/ip_address.hpp"

namespace x402gw::peer {

/// An address range "a.b.c.d/n" or "x::y/n"; a bare address is a range of one.
struct Cidr {
  IpAddress base;        // host bits cleared
  unsigned prefix = 0;   // 0..32 or 0..128

  bool contains(const IpAddress& address) const;
  std::string to_string() const;
};

/// Parses a CIDR; nullopt with `error` set otherwise. Host bits set below the prefix are refused
/// ("10.0.0.1/8" is almost always a typo for a single address or for "10.0.0.0/8").
std::optional<Cidr> parse_cidr(std::string_view text, std::string* error);

/// The peers trusted to report the client's address (`trusted_proxies`).
struct TrustedProxies {
  std::vector<Cidr> ranges;

  bool empty() const { return ranges.empty(); }
  bool contains(const IpAddress& address) const;
};

}  // namespace x402gw::peer
