#include "x402/network_labels.hpp"

#include <array>

#include "core/strings.hpp"
#include "x402/networks.hpp"

namespace x402gw::x402 {
namespace {

struct Row {
  std::string_view caip2;
  std::string_view name;
  bool testnet;
};

// The networks x402 facilitators list in their /supported (CDP, PayAI, x402.org) and the ones
// the gateway knows by name. A wrong "testnet" here would only mislabel a message, never a payment.
constexpr std::array kRows{
    Row{"eip155:1", "Ethereum mainnet", false},
    Row{"eip155:11155111", "Ethereum Sepolia", true},
    Row{"eip155:8453", "Base mainnet", false},
    Row{"eip155:84532", "Base Sepolia", true},
    Row{"eip155:137", "Polygon mainnet", false},
    Row{"eip155:80002", "Polygon Amoy", true},
    Row{"eip155:42161", "Arbitrum One", false},
    Row{"eip155:421614", "Arbitrum Sepolia", true},
    Row{"eip155:10", "OP mainnet", false},
    Row{"eip155:11155420", "OP Sepolia", true},
    Row{"eip155:480", "World Chain mainnet", false},
    Row{"eip155:4801", "World Chain Sepolia", true},
    Row{"eip155:43114", "Avalanche C-Chain", false},
    Row{"eip155:43113", "Avalanche Fuji", true},
    Row{"eip155:1329", "Sei mainnet", false},
    Row{"eip155:1328", "Sei testnet", true},
    Row{"eip155:713715", "Sei devnet", true},
    Row{"eip155:4689", "IoTeX mainnet", false},
    Row{"eip155:2741", "Abstract mainnet", false},
    Row{"eip155:11124", "Abstract testnet", true},
    Row{"eip155:3338", "peaq mainnet", false},
    Row{"eip155:1514", "Story mainnet", false},
    Row{"eip155:41923", "EDU Chain mainnet", false},
    Row{"eip155:1187947933", "SKALE Base", false},
    Row{"eip155:324705682", "SKALE Base Sepolia", true},
    Row{"eip155:196", "X Layer mainnet", false},
    Row{"eip155:143", "Monad mainnet", false},
    Row{"eip155:10143", "Monad testnet", true},
    Row{"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "Solana mainnet", false},
    Row{"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "Solana devnet", true},
    Row{"solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z", "Solana testnet", true},
    Row{"stacks:1", "Stacks mainnet", false},
    Row{"stacks:2147483648", "Stacks testnet", true},
    Row{"stellar:pubnet", "Stellar mainnet (pubnet)", false},
    Row{"stellar:testnet", "Stellar testnet", true},
};

std::optional<bool> guess_testnet(std::string_view name) {
  const std::string lower = core::to_lower(std::string(name));
  for (std::string_view word : {"testnet", "sepolia", "devnet", "fuji", "amoy", "goerli", "holesky"})
    if (lower.find(word) != std::string::npos) return true;
  return std::nullopt;
}

}  // namespace

NetworkLabel label_network(std::string_view network) {
  std::string_view id = network;
  std::string resolved;
  if (auto known = resolve_network(network)) {  // a v1 name becomes its CAIP-2 id
    resolved = known->caip2;
    id = resolved;
  }
  for (const Row& row : kRows)
    if (row.caip2 == id) return NetworkLabel{std::string(row.name), row.testnet};
  return NetworkLabel{"", guess_testnet(network)};
}

std::string describe_network(std::string_view network) {
  NetworkLabel label = label_network(network);
  if (label.name.empty()) return std::string(network);
  return std::string(network) + " (" + label.name + ")";
}

}  // namespace x402gw::x402
