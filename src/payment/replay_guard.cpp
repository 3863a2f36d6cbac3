#include "payment/replay_guard.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace x402gw::payment {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string payment_identity(const x402::PaymentPayload& payment) {
  const auto& doc = payment.document;
  auto payload = doc.find("payload");
  if (payload != doc.end() && payload->is_object()) {
    auto auth = payload->find("authorization");
    if (auth != payload->end() && auth->is_object()) {
      auto from = auth->find("from"), nonce = auth->find("nonce");
      if (from != auth->end() && nonce != auth->end() && from->is_string() && nonce->is_string())
        return "evm:" + lower(from->get<std::string>()) + ":" + lower(nonce->get<std::string>());
    }
    // Canonical: nlohmann::json objects are sorted by key, so equal payloads dump equally.
    return "sha256:" + sha256_hex(payload->dump());
  }
  return "sha256:" + sha256_hex(doc.dump());
}

Claim ReplayGuard::claim(const std::string& identity) {
  std::lock_guard lock(mutex_);
  forget_old(std::chrono::steady_clock::now());
  auto [it, inserted] = entries_.try_emplace(identity, Entry{State::in_flight, {}});
  if (inserted) return Claim::applied;
  return it->second.state == State::in_flight ? Claim::in_flight : Claim::already_settled;
}

void ReplayGuard::finish(const std::string& identity, bool settled) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(identity);
  if (it == entries_.end()) return;
  if (!settled) {
    entries_.erase(it);
    return;
  }
  auto now = std::chrono::steady_clock::now();
  it->second = Entry{State::settled, now};
  settled_order_.emplace_back(identity, now);
  forget_old(now);
}

size_t ReplayGuard::in_flight() const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(),
                                           [](const auto& e) { return e.second.state == State::in_flight; }));
}

void ReplayGuard::forget_old(std::chrono::steady_clock::time_point now) {
  // Settled payments are remembered for `remember_` (longer than any payment stays valid) and at
  // most `max_settled_` of them; past that the facilitator's nonce check still refuses a reuse.
  while (!settled_order_.empty() &&
         (settled_order_.size() > max_settled_ || now - settled_order_.front().second > remember_)) {
    auto it = entries_.find(settled_order_.front().first);
    if (it != entries_.end() && it->second.state == State::settled && it->second.settled_at == settled_order_.front().second)
      entries_.erase(it);
    settled_order_.pop_front();
  }
}

}  // namespace x402gw::payment
