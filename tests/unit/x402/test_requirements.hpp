#pragma once
// Requirements shared by the x402 unit tests.
#include "x402/requirements.hpp"

namespace x402gw::x402::testing {

inline Requirement base_sepolia_usdc(std::string amount = "10000") {
  Requirement r;
  r.network = "eip155:84532";
  r.v1_network = "base-sepolia";
  r.amount = std::move(amount);
  r.asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
  r.asset_symbol = "USDC";
  r.pay_to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  r.max_timeout_seconds = 60;
  r.extra = {{"name", "USDC"}, {"version", "2"}};
  return r;
}

inline Requirement local_chain_token() {
  Requirement r = base_sepolia_usdc("1000");
  r.network = "eip155:31337";
  r.v1_network = "";
  r.asset = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  return r;
}

inline ResourceInfo weather() {
  return ResourceInfo{"http://gw.test/api/weather", "Current weather", "application/json", nullptr};
}

}  // namespace x402gw::x402::testing
