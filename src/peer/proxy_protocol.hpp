#pragma once
// The PROXY protocol (HAProxy, versions 1 and 2): the header a TCP load balancer sends first on a
// connection to name the client it accepted. A pure decoder over the bytes received so far; the
// caller reads until it answers complete or invalid, and consumes exactly `size` bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "peer/ip_address.hpp"

namespace x402gw::peer {

/// The longest version 1 header, CRLF included (the specification's own bound).
inline constexpr size_t proxy_v1_max_size = 107;
/// The longest version 2 header accepted, its TLVs included (the format allows 16 + 65535).
inline constexpr size_t proxy_v2_max_size = 16 + 2048;

/// What a decoded header says.
struct ProxyHeader {
  int version = 0;                       // 1 or 2
  bool local = false;                    // v2 LOCAL: the balancer's own connection (a health check)
  std::optional<IpAddress> source;       // the client; absent when local, for v1 UNKNOWN, or a family or transport without a TCP source
  uint16_t source_port = 0;
  std::optional<IpAddress> destination;  // the address the client connected to
  uint16_t destination_port = 0;
};

/// The decoder's answer.
struct ProxyParse {
  enum class Status { incomplete, complete, invalid };
  Status status = Status::incomplete;
  size_t size = 0;           // complete: the header's length in bytes; the rest belongs to the protocol after it
  ProxyHeader header;
  std::string error;         // invalid: why (a short reason)
  std::string reason;        // invalid: a metric label (signature, v1_syntax, v1_address, v1_too_long, v2_version, v2_command, v2_family, v2_length, v2_too_long)
};

/// Decodes the PROXY header at the start of `bytes` (all bytes received so far).
ProxyParse parse_proxy_header(std::string_view bytes);

/// The client of a connection that began with `header`, received from `peer` (the balancer): the
/// source the header names; the peer itself for v2 LOCAL (the balancer's own connection, made on
/// purpose, not relayed); nullopt, an unknown client, when the header relays a connection without
/// naming its source (v1 UNKNOWN, v2 AF_UNSPEC or AF_UNIX, a datagram transport). An unknown client
/// must not inherit the balancer's trust: whatever it says about itself (X-Forwarded-For) would
/// be believed.
std::optional<IpAddress> client_after(const ProxyHeader& header, const IpAddress& peer);

}  // namespace x402gw::peer
