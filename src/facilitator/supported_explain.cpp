#include "facilitator/supported_explain.hpp"

#include <algorithm>

#include "x402/network_labels.hpp"
#include "x402/networks.hpp"

namespace x402gw::facilitator {
namespace {

// A kind's network as its CAIP-2 id where it has one, so that a v1 "base-sepolia" and a v2
// "eip155:84532" count as one network.
std::string canonical(const std::string& network) {
  if (auto known = x402::resolve_network(network)) return known->caip2;
  return network;
}

bool same_network(const x402::SupportedKind& k, const x402::Requirement& r) {
  const std::string mine = canonical(r.network);
  if (canonical(k.network) == mine) return true;
  // A wildcard kind ("eip155:*") covers every network of its namespace.
  if (k.network.size() >= 2 && k.network.compare(k.network.size() - 2, 2, ":*") == 0)
    return mine.compare(0, k.network.size() - 1, k.network, 0, k.network.size() - 1) == 0;
  return false;
}

constexpr size_t kListed = 6;  // enough to recognise the facilitator, short enough for one log line

}  // namespace

Shortfall explain_shortfall(const std::vector<x402::SupportedKind>& kinds, const x402::Requirement& r) {
  if (kinds.empty()) return {"lists no payment kinds in /supported", false};

  // The network is there, under another scheme (or only for the other protocol version).
  std::vector<std::string> schemes;
  for (const auto& k : kinds)
    if (same_network(k, r) && std::find(schemes.begin(), schemes.end(), k.scheme) == schemes.end())
      schemes.push_back(k.scheme);
  if (!schemes.empty()) {
    std::string list;
    for (const auto& s : schemes) list += (list.empty() ? "" : ", ") + s;
    if (std::find(schemes.begin(), schemes.end(), r.scheme) != schemes.end())
      return {"lists " + r.network + " with scheme " + r.scheme + " only for the other x402 version", false};
    return {"lists " + r.network + " only with scheme " + list + ", not " + r.scheme, false};
  }

  std::vector<std::string> networks;
  for (const auto& k : kinds) {
    std::string n = canonical(k.network);
    if (std::find(networks.begin(), networks.end(), n) == networks.end()) networks.push_back(std::move(n));
  }
  std::string listed;
  for (size_t i = 0; i < networks.size() && i < kListed; ++i)
    listed += (listed.empty() ? "" : ", ") + x402::describe_network(networks[i]);
  if (networks.size() > kListed) listed += " and " + std::to_string(networks.size() - kListed) + " more";

  const std::optional<bool> wanted_testnet = x402::label_network(r.network).testnet;
  auto all_are = [&](bool testnet) {
    return std::all_of(networks.begin(), networks.end(),
                       [&](const std::string& n) { return x402::label_network(n).testnet == testnet; });
  };
  if (wanted_testnet == false && all_are(true))
    return {"settles testnets only (its /supported lists " + listed + ")", true};
  if (wanted_testnet == true && all_are(false)) return {"settles mainnets only (its /supported lists " + listed + ")", false};
  return {"does not list that network (its /supported lists " + listed + ")", false};
}

}  // namespace x402gw::facilitator
