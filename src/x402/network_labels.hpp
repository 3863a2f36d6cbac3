#pragma once
// What a network is called and whether it moves real money, for messages an operator reads
// ("eip155:8453 is Base mainnet"). Pure data and look-ups, no I/O; kept apart from the payment
// table in networks.hpp because it also names networks the gateway cannot price in by itself.
#include <optional>
#include <string>
#include <string_view>

namespace x402gw::x402 {

/// A network's label and kind.
struct NetworkLabel {
  std::string name;  // "Base mainnet", "Base Sepolia (testnet)"; empty when unknown
  std::optional<bool> testnet;  // nullopt: cannot tell
};

/// Labels a network written as a CAIP-2 id or a v1 name. Unknown ids get no name; whether they
/// are a testnet is then guessed from the usual words in v1 names ("sepolia", "devnet", "testnet",
/// "fuji", "amoy"), or left open.
NetworkLabel label_network(std::string_view network);

/// "eip155:8453 (Base mainnet)", or the id alone when unknown.
std::string describe_network(std::string_view network);

}  // namespace x402gw::x402
