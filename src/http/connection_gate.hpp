#pragma once
// Admission of client connections at accept, before a byte is read: the limits on open connections
// (all of them, and per peer address) and on TLS handshakes in progress. Checked after the work
// (after a PROXY header or a handshake), a limit bounds nothing: a flood of silent connections
// holds a descriptor each until its deadline, and each TLS one costs a handshake first. Here a
// refused connection costs one accept and one close.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "peer/ip_address.hpp"

namespace x402gw::http {

/// The limits a connection is admitted under (from config.limits).
struct GateLimits {
  uint64_t max_connections = 0;  // open client connections, all listeners
  uint64_t max_per_address = 0;  // open connections from one peer address; 0: no limit
  uint64_t max_handshakes = 0;   // TLS connections not yet through their handshake; 0: no limit
};

/// Descriptors kept apart from client connections and their upstream connections: listeners, the
/// admin listener's 64 connections, log and journal files, the state store, the event loops.
inline constexpr uint64_t kReservedDescriptors = 192;

/// The client connections a process with `descriptors` open files (RLIMIT_NOFILE) can hold
/// without running out: kReservedDescriptors are kept, and of the rest a quarter is left for the
/// upstream, facilitator and chain connections of requests in flight. Not a half: an idle
/// keep-alive client (the common case) holds no second descriptor, and upstream connections are
/// bounded by the requests actually in flight, whose connect fails alone (502) if they ever run
/// out. Past the budget, accept itself would fail for everyone and a refused client would not
/// even be told so.
uint64_t connection_budget(uint64_t descriptors);

/// Why a connection was refused; its label is the `limit` of x402gw_limit_breaches_total.
enum class Refusal { none, connections, per_address, tls_handshakes, admin_connections };

/// "connections", "connections_per_address", "tls_handshakes", "admin_connections" ("" for none).
std::string_view refusal_label(Refusal r);

class ConnectionGate;

/// The places one admitted connection holds in its gate; given back when the slot is destroyed,
/// on whichever thread ends the connection. Movable, not copyable.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionSlot&& other) noexcept { *this = std::move(other); }
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() { release(); }

  /// The TLS handshake is over (completed or failed): its place goes to the next connection.
  void handshake_done();
  /// Whether the slot holds a connection (a default-constructed or moved-from one does not).
  explicit operator bool() const { return gate_ != nullptr; }

 private:
  friend class ConnectionGate;
  void release();

  ConnectionGate* gate_ = nullptr;
  peer::IpAddress address_;
  bool per_address_ = false;  // counted in the per-address table
  bool handshake_ = false;    // counted as a handshake in progress
};

/// Counts of open client connections (all of them, and per peer address) and of TLS handshakes in
/// progress, shared by the accept loops and every worker (thread-safe). The all-connections count
/// is the server's own gauge, given by reference.
class ConnectionGate {
 public:
  explicit ConnectionGate(std::atomic<int64_t>& open_connections) : open_(open_connections) {}
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  /// The outcome of admit(): a slot (refused == none), or the first limit that refused.
  struct Admission {
    Refusal refused = Refusal::none;
    ConnectionSlot slot;
  };

  /// Admits a connection from `peer`, or says which limit refuses it. `trusted`: a peer in
  /// trusted_proxies, which carries many clients and is exempt from the per-address limit. `tls`:
  /// the connection takes a handshake place until ConnectionSlot::handshake_done().
  Admission admit(const peer::IpAddress& peer, bool trusted, bool tls, const GateLimits& limits);

  /// TLS handshakes in progress now.
  int64_t handshakes() const { return handshakes_.load(std::memory_order_relaxed); }
  /// Connections open now from `peer`, as far as the per-address limit counts them.
  uint64_t open_from(const peer::IpAddress& peer) const;

 private:
  friend class ConnectionSlot;
  struct AddressHash {
    size_t operator()(const peer::IpAddress& a) const noexcept;
  };

  std::atomic<int64_t>& open_;
  std::atomic<int64_t> handshakes_{0};
  mutable std::mutex mutex_;  // guards per_address_: taken once at accept and once at close
  std::unordered_map<peer::IpAddress, uint64_t, AddressHash> per_address_;  // only addresses with open connections
};

}  // namespace x402gw::http
