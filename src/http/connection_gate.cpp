#include "http/connection_gate.hpp"

#include <algorithm>
#include <string_view>

namespace x402gw::http {

std::string_view refusal_label(Refusal r) {
  switch (r) {
    case Refusal::connections: return "connections";
    case Refusal::per_address: return "connections_per_address";
    case Refusal::tls_handshakes: return "tls_handshakes";
    case Refusal::admin_connections: return "admin_connections";
    case Refusal::none: break;
  }
  return "";
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    gate_ = other.gate_;
    address_ = other.address_;
    per_address_ = other.per_address_;
    handshake_ = other.handshake_;
    other.gate_ = nullptr;
  }
  return *this;
}

void ConnectionSlot::handshake_done() {
  if (gate_ && handshake_) {
    handshake_ = false;
    gate_->handshakes_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void ConnectionSlot::release() {
  if (!gate_) return;
  handshake_done();
  if (per_address_) {
    std::lock_guard lock(gate_->mutex_);
    auto it = gate_->per_address_.find(address_);
    if (it != gate_->per_address_.end() && --it->second == 0) gate_->per_address_.erase(it);
  }
  gate_->open_.fetch_sub(1, std::memory_order_relaxed);
  gate_ = nullptr;
}

uint64_t connection_budget(uint64_t descriptors) {
  if (descriptors > 2 * kReservedDescriptors) {
    const uint64_t shared = descriptors - kReservedDescriptors;
    return shared - shared / 4;
  }
  return std::max<uint64_t>(descriptors / 4, 1);
}

size_t ConnectionGate::AddressHash::operator()(const peer::IpAddress& a) const noexcept {
  return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(a.bytes.data()), a.size()));
}

uint64_t ConnectionGate::open_from(const peer::IpAddress& peer) const {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(peer);
  return it == per_address_.end() ? 0 : it->second;
}

ConnectionGate::Admission ConnectionGate::admit(const peer::IpAddress& peer, bool trusted, bool tls, const GateLimits& limits) {
  Admission a;
  // Counted first and given back when over: two accept loops can never both take the last place.
  if (static_cast<uint64_t>(open_.fetch_add(1, std::memory_order_relaxed)) >= limits.max_connections) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    a.refused = Refusal::connections;
    return a;
  }
  a.slot.gate_ = this;  // from here on, the slot gives back whatever it took, refused or not
  a.slot.address_ = peer;
  if (limits.max_per_address > 0 && !trusted) {
    std::lock_guard lock(mutex_);
    uint64_t& open = per_address_[peer];
    if (open >= limits.max_per_address) {
      a.refused = Refusal::per_address;
    } else {
      ++open;
      a.slot.per_address_ = true;
    }
  }
  if (a.refused != Refusal::none) {
    a.slot = ConnectionSlot{};
    return a;
  }
  if (tls) {
    const int64_t before = handshakes_.fetch_add(1, std::memory_order_relaxed);
    a.slot.handshake_ = true;
    if (limits.max_handshakes > 0 && static_cast<uint64_t>(before) >= limits.max_handshakes) {
      a.refused = Refusal::tls_handshakes;
      a.slot = ConnectionSlot{};
    }
  }
  return a;
}

}  // namespace x402gw::http
