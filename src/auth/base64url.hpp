#pragma once
// Unpadded base64url (RFC 4648 §5), the alphabet of JWT segments.
#include <optional>
#include <string>
#include <string_view>

namespace x402gw::auth {

/// Encodes bytes as base64url without '=' padding.
std::string base64url_encode(std::string_view bytes);

/// Decodes base64url, padded or not; nullopt on a character outside the alphabet or a bad length.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace x402gw::auth
