#pragma once
// The discovery document served at GET /.well-known/x402: every priced route with what it costs
// and how to call it, so agents and x402 directories can find the API without a 402 round trip.
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.hpp"

namespace x402gw::payment {

/// Builds the document for a configuration; `base_url` ("https://api.example.com") prefixes paths.
nlohmann::json discovery_document(const config::Config& config, const std::string& base_url);

}  // namespace x402gw::payment
