#pragma once
// The networks and assets the gateway knows by name. Pure data and look-ups, no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::x402 {

/// The chain family decides the shape of `extra` and of payloads; the gateway never runs chain code.
enum class Family { evm, solana, stacks, stellar, other };

/// The EIP-712 domain of an EVM token (the requirement's `extra`).
struct Eip712Domain {
  std::string name;
  std::string version;
};

/// A token on one network.
struct Asset {
  std::string symbol;    // "USDC", "STX", "sBTC"
  std::string address;   // contract address, mint, or contract id ("STX" for native Stacks)
  int decimals = 6;
  bool usd = false;      // a USD stablecoin: "$" prices resolve to it
  std::optional<Eip712Domain> eip712;
};

/// A network: its CAIP-2 id, its v1 name if v1 has one, and its well-known assets.
struct Network {
  std::string caip2;     // "eip155:84532"
  std::string v1_name;   // "base-sepolia"; empty where v1 has no name
  Family family = Family::other;
  std::vector<Asset> assets;

  /// The USD stablecoin that "$" prices resolve to, if the network has one.
  const Asset* usd_asset() const;
  /// A well-known asset by symbol (case-insensitive) or by address.
  const Asset* find_asset(std::string_view symbol_or_address) const;
};

/// Resolves a network written as a v1 name ("base") or a CAIP-2 id ("eip155:8453"). Known networks
/// come with their assets; a syntactically valid CAIP-2 id that is not in the table resolves to a
/// network without assets (its prices must name the asset explicitly). nullopt: neither.
std::optional<Network> resolve_network(std::string_view name);

/// True for `namespace:reference` as CAIP-2 defines it.
bool is_caip2(std::string_view id);

/// Every network in the built-in table (for documentation and tests).
const std::vector<Network>& known_networks();

}  // namespace x402gw::x402
