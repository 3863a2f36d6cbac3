#pragma once
// Priced routes and resources shared by the payment unit tests.
#include <string>
#include <vector>

#include "../x402/test_requirements.hpp"
#include "config/config.hpp"

namespace x402gw::payment::testing {

/// A priced route named "weather" with these requirements (by default one: USDC on Base Sepolia).
inline config::Route priced_route(std::vector<x402::Requirement> requirements = {x402::testing::base_sepolia_usdc()}) {
  config::Route r;
  r.name = "weather";
  r.priced = true;
  r.requirements = std::move(requirements);
  return r;
}

/// The weather resource at `url`.
inline x402::ResourceInfo resource_at(const std::string& url) { return {url, "Current weather", "application/json", nullptr}; }

}  // namespace x402gw::payment::testing
