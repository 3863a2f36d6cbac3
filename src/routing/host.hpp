#pragma once
// The authority of a request (Host header or absolute-form target), parsed strictly and made
// canonical, so that every spelling of one host ("Paid.Example.", "paid.example:8080") meets the
// routes configured for it and anything that is not a host is refused rather than guessed at.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace x402gw::routing {

/// A host and an optional port.
struct Authority {
  std::string host;              // lower case, no trailing dot; an IPv6 literal keeps its brackets
  std::optional<uint16_t> port;  // 1-65535, when the text had one
};

/// Longest host accepted (DNS names are at most 255 octets).
inline constexpr size_t kMaxHostBytes = 255;

/// Parses "host[:port]" where host is a registered name (labels of letters, digits, '-' and '_',
/// one trailing dot allowed and removed), a dotted-quad IPv4 literal or a bracketed IPv6 literal
/// (written back in RFC 5952 form); nullopt for anything else.
std::optional<Authority> parse_authority(std::string_view text);

}  // namespace x402gw::routing
