#pragma once
// The wire forms of a route's requirements, built once per configuration instead of on every paid
// request: the v2 `accepts` entries a payment's `accepted` is compared with, and the
// `paymentRequirements` text of the /verify and /settle bodies. One cache per worker thread.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "x402/requirements.hpp"

namespace x402gw::payment {

/// A route's v2 forms: to_v2_json() of each requirement and its compact text, in route order.
struct RequirementForms {
  std::vector<nlohmann::json> v2;
  std::vector<std::string> v2_text;
};

/// A bounded map from a route (and, for v1, its resource URL) to its requirements' wire forms,
/// valid for one configuration.
class RequirementCache {
 public:
  /// `capacity` bounds the v1 entries: their resource URL carries the client's Host header, so
  /// that key space is the client's to choose; a full cache starts over.
  explicit RequirementCache(size_t capacity = 1024) : capacity_(capacity) {}

  /// The v2 forms of `route` of configuration `generation`, built on first use. A route priced
  /// per request passes this request's `requirements` and the `price_key` they were priced at
  /// (the forms of one price are never another's).
  const RequirementForms& v2(uint64_t generation, const config::Route& route,
                             const std::vector<x402::Requirement>* requirements = nullptr, std::string_view price_key = {});

  /// core::json_text(to_v1_json()) of requirement `index` of `route` for `resource`, built on first use.
  const std::string& v1_text(uint64_t generation, const config::Route& route, size_t index,
                             const x402::ResourceInfo& resource, const std::vector<x402::Requirement>* requirements = nullptr,
                             std::string_view price_key = {});

 private:
  void use(uint64_t generation);

  uint64_t generation_ = 0;
  size_t capacity_;
  std::unordered_map<std::string, RequirementForms> v2_;  // by route address and price key
  std::unordered_map<std::string, std::string> v1_;
};

}  // namespace x402gw::payment
