#include "x402/networks.hpp"

#include <algorithm>
#include <cctype>

#include "core/strings.hpp"

namespace x402gw::x402 {
namespace {

Asset usdc(std::string address, std::string eip712_name) {
  return Asset{"USDC", std::move(address), 6, true, Eip712Domain{std::move(eip712_name), "2"}};
}

Network evm(uint64_t chain_id, std::string v1_name, std::vector<Asset> assets = {}) {
  return Network{"eip155:" + std::to_string(chain_id), std::move(v1_name), Family::evm, std::move(assets)};
}

std::vector<Network> build_table() {
  std::vector<Network> t;
  t.push_back(evm(8453, "base", {usdc("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "USD Coin")}));
  t.push_back(evm(84532, "base-sepolia", {usdc("0x036CbD53842c5426634e7929541eC2318f3dCF7e", "USDC")}));
  t.push_back(evm(137, "polygon", {usdc("0x3c499c542cef5e3811e1192ce70d8cc03d5c3359", "USD Coin")}));
  t.push_back(evm(80002, "polygon-amoy", {usdc("0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582", "USDC")}));
  t.push_back(evm(43114, "avalanche", {usdc("0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E", "USD Coin")}));
  t.push_back(evm(43113, "avalanche-fuji", {usdc("0x5425890298aed601595a70AB815c96711a31Bc65", "USD Coin")}));
  t.push_back(evm(1329, "sei"));
  t.push_back(evm(1328, "sei-testnet"));
  t.push_back(evm(4689, "iotex"));
  t.push_back(evm(2741, "abstract"));
  t.push_back(evm(11124, "abstract-testnet"));
  t.push_back(evm(3338, "peaq"));
  t.push_back(evm(1514, "story"));
  t.push_back(evm(41923, "educhain"));
  t.push_back(evm(324705682, "skale-base-sepolia"));
  t.push_back(Network{"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "solana", Family::solana,
                      {Asset{"USDC", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", 6, true, std::nullopt}}});
  t.push_back(Network{"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "solana-devnet", Family::solana,
                      {Asset{"USDC", "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", 6, true, std::nullopt}}});
  // Stacks has no USD stablecoin here: prices name STX or sBTC. Contract ids can be overridden per
  // route with an explicit asset, since sources disagree on them.
  t.push_back(Network{"stacks:1", "", Family::stacks,
                      {Asset{"STX", "STX", 6, false, std::nullopt},
                       Asset{"sBTC", "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token", 8, false, std::nullopt}}});
  t.push_back(Network{"stacks:2147483648", "", Family::stacks,
                      {Asset{"STX", "STX", 6, false, std::nullopt},
                       Asset{"sBTC", "ST1F7QA2MDF17S807EPA36TSS8AMEFY4KA9TVGWXT.sbtc-token", 8, false, std::nullopt}}});
  t.push_back(Network{"stellar:pubnet", "", Family::stellar,
                      {Asset{"USDC", "CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75", 7, true, std::nullopt}}});
  t.push_back(Network{"stellar:testnet", "", Family::stellar,
                      {Asset{"USDC", "CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA", 7, true, std::nullopt}}});
  return t;
}

Family family_of_namespace(std::string_view ns) {
  if (ns == "eip155") return Family::evm;
  if (ns == "solana") return Family::solana;
  if (ns == "stacks") return Family::stacks;
  if (ns == "stellar") return Family::stellar;
  return Family::other;
}

}  // namespace

const std::vector<Network>& known_networks() {
  static const std::vector<Network> table = build_table();
  return table;
}

const Asset* Network::usd_asset() const {
  for (const auto& a : assets)
    if (a.usd) return &a;
  return nullptr;
}

const Asset* Network::find_asset(std::string_view key) const {
  for (const auto& a : assets)
    if (core::iequals(a.symbol, key) || core::iequals(a.address, key)) return &a;
  return nullptr;
}

bool is_caip2(std::string_view id) {
  // namespace: [-a-z0-9]{3,8}; reference: [-_a-zA-Z0-9]{1,32}
  auto colon = id.find(':');
  if (colon == std::string_view::npos) return false;
  auto ns = id.substr(0, colon), ref = id.substr(colon + 1);
  if (ns.size() < 3 || ns.size() > 8 || ref.empty() || ref.size() > 32) return false;
  for (char c : ns)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  for (char c : ref)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

std::optional<Network> resolve_network(std::string_view name) {
  for (const auto& n : known_networks())
    if (n.caip2 == name || (!n.v1_name.empty() && core::iequals(n.v1_name, name))) return n;
  if (!is_caip2(name)) return std::nullopt;
  auto ns = name.substr(0, name.find(':'));
  if (ns == "eip155") {
    auto ref = name.substr(name.find(':') + 1);
    if (!std::all_of(ref.begin(), ref.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return std::nullopt;
  }
  return Network{std::string(name), "", family_of_namespace(ns), {}};
}

}  // namespace x402gw::x402
