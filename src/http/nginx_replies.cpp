#include "http/nginx_replies.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace x402gw::http {

std::string NginxReplies::put(core::Reply reply, Clock::time_point now) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a forward-auth reply token");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) token += kHex[b >> 4], token += kHex[b & 15];
  std::lock_guard lock(mutex_);
  expire(now);
  while (entries_.size() >= max_entries_ && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  entries_.emplace(token, Entry{std::move(reply), now});
  order_.push_back(token);
  return token;
}

std::optional<core::Reply> NginxReplies::take(const std::string& token, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  expire(now);
  auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  core::Reply reply = std::move(it->second.reply);
  entries_.erase(it);
  // A taken token stays in order_ until it reaches the front, and one reply nginx never fetches
  // (its client left) holds the front for the whole ttl: without this, order_ would grow with every
  // request meanwhile. Dropping the taken ones once they are as many as the bound keeps it within
  // twice the bound, at a constant cost per call.
  if (order_.size() > 2 * max_entries_) {
    std::erase_if(order_, [&](const std::string& token) { return !entries_.contains(token); });
  }
  return reply;
}

size_t NginxReplies::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

size_t NginxReplies::tracked() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

void NginxReplies::expire(Clock::time_point now) {
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    if (it != entries_.end() && now - it->second.at < ttl_) break;
    if (it != entries_.end()) entries_.erase(it);
    order_.pop_front();
  }
}

}  // namespace x402gw::http
