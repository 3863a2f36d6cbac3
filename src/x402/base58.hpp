#pragma once
// Bitcoin-alphabet base58, as Solana writes public keys.
#include <string>
#include <string_view>

namespace x402gw::x402 {

/// Encodes bytes as base58 (each leading zero byte becomes a '1').
std::string base58_encode(std::string_view bytes);

}  // namespace x402gw::x402
