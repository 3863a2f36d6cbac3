#include "payment/requirement_cache.hpp"

#include "core/json_text.hpp"

namespace x402gw::payment {

void RequirementCache::use(uint64_t generation) {
  if (generation == generation_) return;
  v2_.clear();  // routes (and their addresses) belong to one configuration
  v1_.clear();
  generation_ = generation;
}

const RequirementForms& RequirementCache::v2(uint64_t generation, const config::Route& route,
                                             const std::vector<x402::Requirement>* requirements, std::string_view price_key) {
  use(generation);
  // Within one configuration a route's address identifies it; with its price key, one price.
  // Fixed routes are few; prices per request are bounded like the v1 entries.
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(&route));
  key += ' ';
  key += price_key;
  if (auto it = v2_.find(key); it != v2_.end()) return it->second;
  if (v2_.size() >= capacity_) v2_.clear();
  auto [it, fresh] = v2_.try_emplace(std::move(key));
  if (fresh) {
    for (const auto& r : requirements ? *requirements : route.requirements) {
      it->second.v2.push_back(x402::to_v2_json(r));
      it->second.v2_text.push_back(core::json_text(it->second.v2.back()));
    }
  }
  return it->second;
}

const std::string& RequirementCache::v1_text(uint64_t generation, const config::Route& route, size_t index,
                                             const x402::ResourceInfo& resource,
                                             const std::vector<x402::Requirement>* requirements, std::string_view price_key) {
  use(generation);
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(&route));
  key += ' ';
  key += std::to_string(index);
  key += ' ';
  key += resource.url;
  key += '\n';
  key += price_key;
  if (auto it = v1_.find(key); it != v1_.end()) return it->second;
  if (v1_.size() >= capacity_) v1_.clear();
  std::string text = core::json_text(x402::to_v1_json((requirements ? *requirements : route.requirements).at(index), resource));
  return v1_.emplace(std::move(key), std::move(text)).first->second;
}

}  // namespace x402gw::payment
