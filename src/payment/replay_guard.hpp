#pragma once
// One payment, one use. Before a payment goes to the facilitator it is claimed here by its
// identity (the EVM authorization's payer and nonce, else a hash of the payload): a second
// presentation while the first is in flight, or after it settled, is refused without reaching
// the facilitator or the upstream. A claim whose payment was not settled is released, so the
// client may present the same payment again (e.g. after an upstream failure).
//
// Per process. Across replicas, the chain's nonce still prevents a second settlement; see the
// README's security model.
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "x402/payment_payload.hpp"

namespace x402gw::payment {

/// What a claim found.
enum class Claim {
  applied,          // the payment is now in flight here
  in_flight,        // the same payment is being processed by another request
  already_settled,  // the same payment was settled before
};

/// The identity of a payment: "evm:<from>:<nonce>" (lower case) when the payload carries an EVM
/// authorization, else "sha256:<hex of the canonical payload>".
std::string payment_identity(const x402::PaymentPayload& payment);

/// The process-wide guard; thread-safe.
class ReplayGuard {
 public:
  explicit ReplayGuard(size_t max_settled = 200'000, std::chrono::seconds remember = std::chrono::hours(24))
      : max_settled_(max_settled), remember_(remember) {}

  /// Claims `identity` atomically.
  Claim claim(const std::string& identity);
  /// Ends a claim: remembered as settled, or released for another try.
  void finish(const std::string& identity, bool settled);

  size_t in_flight() const;

 private:
  enum class State { in_flight, settled };
  struct Entry {
    State state;
    std::chrono::steady_clock::time_point settled_at;
  };
  void forget_old(std::chrono::steady_clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<std::string, std::chrono::steady_clock::time_point>> settled_order_;
  size_t max_settled_;
  std::chrono::seconds remember_;
};

/// Owns a claim. The flow ends it explicitly — settle() or release() — before it answers the
/// client, so a client reacting to the answer already sees the final state; the destructor
/// releases a claim that no path ended, so none can stay "in flight".
class ClaimHold {
 public:
  ClaimHold(ReplayGuard& guard, std::string identity) : guard_(&guard), identity_(std::move(identity)) {}
  ClaimHold(const ClaimHold&) = delete;
  ClaimHold& operator=(const ClaimHold&) = delete;
  ~ClaimHold() { release(); }

  /// The payment settled: remember it.
  void settle() { finish(true); }
  /// The payment was not settled: it may be presented again.
  void release() { finish(false); }

 private:
  void finish(bool settled) {
    if (!guard_) return;
    guard_->finish(identity_, settled);
    guard_ = nullptr;
  }
  ReplayGuard* guard_;
  std::string identity_;
};

}  // namespace x402gw::payment
