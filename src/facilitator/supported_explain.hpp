#pragma once
// Why a facilitator's /supported does not offer a route's way to pay, said so that an operator
// can act on it: "settles testnets only", "lists eip155:8453 only with scheme upto". Pure.
#include <string>
#include <vector>

#include "x402/facilitator_messages.hpp"

namespace x402gw::facilitator {

/// What one facilitator's kinds lack for one requirement.
struct Shortfall {
  std::string text;            // a predicate: "settles testnets only (its /supported lists ...)"
  bool testnets_only = false;  // the requirement is on a mainnet and the facilitator lists testnets only
};

/// Why `kinds` does not offer `requirement` (which it does not: find_kind found nothing).
Shortfall explain_shortfall(const std::vector<x402::SupportedKind>& kinds, const x402::Requirement& requirement);

}  // namespace x402gw::facilitator
