#include "payment/challenge_cache.hpp"

#include "x402/payment_identifier.hpp"

namespace x402gw::payment {

nlohmann::json route_extensions(const config::Route& route) {
  nlohmann::json ext = nlohmann::json::object();
  if (route.payment_identifier.enabled)
    ext[x402::kPaymentIdentifier] = x402::payment_identifier_declaration(route.payment_identifier.required);
  if (!route.bazaar.is_null()) ext["bazaar"] = route.bazaar;
  return ext;
}

const x402::Challenge& ChallengeCache::get(uint64_t generation, const config::Route& route,
                                           const x402::ResourceInfo& resource, const std::string& message,
                                           const std::vector<x402::Requirement>* requirements, std::string_view price_key) {
  if (generation != generation_) {
    entries_.clear();  // routes (and their addresses) belong to one configuration
    generation_ = generation;
  }
  // Within one configuration a route's address identifies it.
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(&route));
  key += ' ';
  key += resource.url;
  key += '\n';
  key += message;
  key += '\n';
  key += price_key;
  if (auto it = entries_.find(key); it != entries_.end()) return it->second;
  if (entries_.size() >= capacity_) entries_.clear();
  auto challenge = x402::build_challenge(requirements ? *requirements : route.requirements, resource, "payment_required", message, route_extensions(route));
  return entries_.emplace(std::move(key), std::move(challenge)).first->second;
}

}  // namespace x402gw::payment
