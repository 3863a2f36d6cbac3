#pragma once
// "/supported is the truth": what the facilitators answered to /supported decides whether each
// priced route can be served, and fills in what the configuration leaves out (the Solana fee
// payer). Pure: the answers come in, problems and a completed configuration come out.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "facilitator/breakers.hpp"
#include "x402/facilitator_messages.hpp"

namespace x402gw::facilitator {

/// What one facilitator answered to /supported.
struct SupportedAnswer {
  bool answered = false;
  std::vector<x402::SupportedKind> kinds;
  std::string error;  // not answered: why (empty: not asked)
};

/// The answers, by index into Config::facilitators.
using SupportedAnswers = std::vector<SupportedAnswer>;

/// Readiness findings: problems make the gateway not ready; warnings are reported beside a ready state.
struct Findings {
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
};

/// The indices of the facilitators that priced routes use, in order of first use.
std::vector<size_t> used_facilitators(const config::Config& config);

/// Checks every priced route's (scheme, network) against its facilitators' kinds, and the Solana
/// fee payer against the signers they list. A route that no answering facilitator of it supports
/// is a problem naming the route; a fallback that could not stand in is a warning.
Findings check_routes(const config::Config& config, const SupportedAnswers& answers);

/// `loaded` with what it leaves out taken from the answers: a Solana requirement without a
/// feePayer gets the one of the route's first facilitator that lists its kind (the kind's
/// `extra.feePayer`, else its only signer). Nullopt when there is nothing to add. The result has a
/// new generation.
std::optional<config::Config> complete_from_supported(const config::Config& loaded, const SupportedAnswers& answers);

/// Whether two configurations ask for the same payments (same requirement extras, route by route).
bool same_requirements(const config::Config& a, const config::Config& b);

/// The findings of the breakers right now: each facilitator whose breaker is not closed is a
/// warning; a priced route whose every facilitator is open is a problem.
Findings breaker_findings(const config::Config& config, const BreakerSet& breakers, Breaker::Clock::time_point now);

}  // namespace x402gw::facilitator
