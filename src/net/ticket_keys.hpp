#pragma once
// Session ticket keys of a TLS listener, rotated: tickets are sealed with a key younger than one
// rotation period and opened only with a key younger than two, so a ticket lives at most two
// rotation periods and a stolen key opens no ticket older than that. The age is checked at every
// open: rotation is lazy (done when a ticket is sealed or opened), and an age counted from the last
// rotation instead would let a key outlive its two periods by however long the listener sat idle.
// Shared by every certificate set of the listener, so resumption survives a certificate reload.
#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <functional>
#include <mutex>

namespace x402gw::net {

/// The key schedule, apart from OpenSSL: which key seals, which keys open, at a given time.
class TicketKeyRing {
 public:
  using Clock = std::chrono::steady_clock;
  /// Key material: a 16-byte name sent in the ticket, and the AES and HMAC keys.
  struct Key {
    std::array<unsigned char, 16> name{};
    std::array<unsigned char, 32> aes{};
    std::array<unsigned char, 32> hmac{};
    Clock::time_point created{};
  };
  /// What opening a ticket found.
  struct Opened {
    const Key* key = nullptr;   // null: unknown or expired, a full handshake
    bool renew = false;         // valid, but seal a new ticket under the current key
  };

  /// `fresh` makes new key material (random; throws when there is no randomness).
  TicketKeyRing(std::chrono::milliseconds rotation, Clock::time_point now, std::function<Key()> fresh);

  /// The key that seals a new ticket at `now` (rotating first when the current one is a period old).
  const Key& for_seal(Clock::time_point now);
  /// The key a ticket named `name` opens with at `now`.
  Opened for_open(const unsigned char name[16], Clock::time_point now);
  /// How many times the keys were rotated.
  uint64_t rotations() const { return rotations_; }

 private:
  void rotate_if_due(Clock::time_point now);

  std::chrono::milliseconds rotation_;
  std::function<Key()> fresh_;
  Key current_;
  Key previous_;
  bool has_previous_ = false;
  uint64_t rotations_ = 0;
};

/// Rotating AES-256-CBC + HMAC-SHA256 ticket keys (the scheme OpenSSL's own tickets use).
class TicketKeys {
 public:
  using Now = std::function<TicketKeyRing::Clock::time_point()>;
  explicit TicketKeys(std::chrono::milliseconds rotation, Now now = &TicketKeyRing::Clock::now);
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  /// Makes `ctx` seal and open its tickets with these keys (which must outlive it).
  void attach(SSL_CTX* ctx);

  /// How many times the keys were rotated (for tests and logs).
  uint64_t rotations() const;

  /// Random key material.
  static TicketKeyRing::Key fresh_key();

 private:
  static int callback(SSL* ssl, unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc);
  int seal_or_open(unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc);

  mutable std::mutex mutex_;
  Now now_;
  TicketKeyRing ring_;
};

}  // namespace x402gw::net
