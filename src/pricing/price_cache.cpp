#include "pricing/price_cache.hpp"

namespace x402gw::pricing {

std::optional<PricerAnswer> PriceCache::get(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    order_.erase(it->second.order);
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.answer;
}

void PriceCache::put(const std::string& key, PricerAnswer answer, Clock::time_point expires) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    it->second.answer = std::move(answer);
    it->second.expires = expires;
    return;
  }
  order_.push_back(key);
  entries_.emplace(key, Entry{std::move(answer), expires, std::prev(order_.end())});
  trim();
}

void PriceCache::set_capacity(size_t capacity) {
  std::lock_guard lock(mutex_);
  capacity_ = capacity == 0 ? 1 : capacity;
  trim();
}

size_t PriceCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void PriceCache::trim() {
  while (entries_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace x402gw::pricing
