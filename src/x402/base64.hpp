#pragma once
// Standard-alphabet base64 with '=' padding, as the x402 headers use it.
#include <optional>
#include <string>
#include <string_view>

namespace x402gw::x402 {

/// Encodes bytes as padded standard base64.
std::string base64_encode(std::string_view bytes);

/// Decodes padded (or unpadded) standard base64; nullopt on any character outside the alphabet,
/// misplaced padding or an impossible length. Surrounding whitespace is not accepted.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace x402gw::x402
