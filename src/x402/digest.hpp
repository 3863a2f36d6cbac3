#pragma once
// Hashes and hex as the chain formats need them (OpenSSL libcrypto underneath).
#include <optional>
#include <string>
#include <string_view>

namespace x402gw::x402 {

/// SHA-256 of `bytes`, 32 raw bytes.
std::string sha256(std::string_view bytes);

/// SHA-512/256 of `bytes` (the Stacks txid hash), 32 raw bytes.
std::string sha512_256(std::string_view bytes);

/// Lower-case hex of `bytes`.
std::string to_hex(std::string_view bytes);

/// Decodes hex of either case, with or without a "0x" prefix; nullopt on an odd length or any
/// other character.
std::optional<std::string> hex_decode(std::string_view text);

}  // namespace x402gw::x402
