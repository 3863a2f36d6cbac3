#pragma once
// The plain 402 challenge (error "payment_required") of a route, built once per configuration,
// route, resource URL and message instead of on every unpaid request. One cache per worker thread.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "x402/challenge.hpp"

namespace x402gw::payment {

/// The x402 `extensions` a route's 402 answers declare (payment-identifier when enabled).
nlohmann::json route_extensions(const config::Route& route);

/// A bounded map from (route, resource URL) to its challenge, valid for one configuration.
class ChallengeCache {
 public:
  /// `capacity` bounds the entries: the resource URL carries the client's Host header, so the
  /// key space is the client's to choose; a full cache starts over.
  explicit ChallengeCache(size_t capacity = 1024) : capacity_(capacity) {}

  /// The "payment_required" challenge for `route` of configuration `generation`, with `message`
  /// in the v1 body, built on first use. A route priced per request passes this request's
  /// `requirements` and the `price_key` they were priced at: one request's quote is never
  /// served to another request priced differently.
  const x402::Challenge& get(uint64_t generation, const config::Route& route, const x402::ResourceInfo& resource,
                             const std::string& message = "", const std::vector<x402::Requirement>* requirements = nullptr,
                             std::string_view price_key = {});

  size_t size() const { return entries_.size(); }

 private:
  uint64_t generation_ = 0;
  size_t capacity_;
  std::unordered_map<std::string, x402::Challenge> entries_;
};

}  // namespace x402gw::payment
