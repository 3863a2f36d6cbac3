#include "payment/requirement_cache.hpp"

#include "core/json_text.hpp"

namespace x402gw::payment {

void RequirementCache::use(uint64_t generation) {
  if (generation == generation_) return;
  v2_.clear();  // routes (and their addresses) belong to one configuration
  v1_.clear();
  generation_ = generation;
}

const RequirementForms& RequirementCache::v2(uint64_t generation, const config::Route& route) {
  use(generation);
  // Within one configuration a route's address identifies it; routes are few, so no bound.
  auto [it, fresh] = v2_.try_emplace(&route);
  if (fresh) {
    for (const auto& r : route.requirements) {
      it->second.v2.push_back(x402::to_v2_json(r));
      it->second.v2_text.push_back(core::json_text(it->second.v2.back()));
    }
  }
  return it->second;
}

const std::string& RequirementCache::v1_text(uint64_t generation, const config::Route& route, size_t index,
                                             const x402::ResourceInfo& resource) {
  use(generation);
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(&route));
  key += ' ';
  key += std::to_string(index);
  key += ' ';
  key += resource.url;
  if (auto it = v1_.find(key); it != v1_.end()) return it->second;
  if (v1_.size() >= capacity_) v1_.clear();
  std::string text = core::json_text(x402::to_v1_json(route.requirements.at(index), resource));
  return v1_.emplace(std::move(key), std::move(text)).first->second;
}

}  // namespace x402gw::payment
