#pragma once
// Payment requirements: one way to pay for a route, and its v1 and v2 wire forms.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace x402gw::x402 {

/// One accepted way to pay, fully resolved from configuration (atomic amount, asset address).
struct Requirement {
  std::string scheme = "exact";
  std::string network;          // CAIP-2, used on the v2 wire
  std::string v1_network;       // v1 name; empty: not offered to v1 clients
  std::string amount;           // atomic units, canonical decimal string
  std::string asset;            // token contract, mint or contract id
  std::string asset_symbol;     // for logs and metrics ("USDC"); may be empty
  int decimals = 6;
  std::string pay_to;
  int max_timeout_seconds = 60;
  nlohmann::json extra = nlohmann::json::object();  // EIP-712 domain, feePayer, ...
};

/// Whether x402 v1 clients are offered the requirement: it has a v1 network name and a scheme v1
/// knows (`upto` is a v2 scheme: no v1 client can pay it).
inline bool offered_to_v1(const Requirement& r) { return !r.v1_network.empty() && r.scheme != "upto"; }

/// What the route sells, shared by all its requirements.
struct ResourceInfo {
  std::string url;              // absolute URL of the resource
  std::string description;
  std::string mime_type;
  nlohmann::json output_schema; // null when not configured
};

/// The v2 `accepts` entry. Byte-stable: built from configuration only, so the challenge and the
/// client's echoed `accepted` compare equal.
nlohmann::json to_v2_json(const Requirement& r);

/// The v1 `accepts` entry (needs the resource, which v1 repeats in every entry).
nlohmann::json to_v1_json(const Requirement& r, const ResourceInfo& resource);

}  // namespace x402gw::x402
