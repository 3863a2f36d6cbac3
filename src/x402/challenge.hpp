#pragma once
// The 402 challenge understood by both protocol generations: a v1 JSON body and a v2
// PAYMENT-REQUIRED header, built from the same requirements.
#include <string>
#include <vector>

#include "x402/requirements.hpp"

namespace x402gw::x402 {

/// The two halves of one 402 answer.
struct Challenge {
  std::string body;            // v1: {"x402Version":1,"error":...,"accepts":[...]}
  std::string header_value;    // v2: base64(PaymentRequired)
};

/// Builds the challenge. `error` is a stable reason code ("payment_required", a verify failure's
/// invalidReason, ...); `message`, if given, explains it to people (v1 body only). Requirements
/// without a v1 network name are left out of the v1 body only. `extensions` (an object, or null
/// for none) goes into the v2 document.
Challenge build_challenge(const std::vector<Requirement>& requirements, const ResourceInfo& resource,
                          const std::string& error, const std::string& message = "",
                          const nlohmann::json& extensions = nullptr);

/// The v2 PaymentRequired document itself (for discovery and tests).
nlohmann::json payment_required_v2(const std::vector<Requirement>& requirements, const ResourceInfo& resource,
                                   const std::string& error, const nlohmann::json& extensions = nullptr);

}  // namespace x402gw::x402
