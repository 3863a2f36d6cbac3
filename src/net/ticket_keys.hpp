#pragma once
// Session ticket keys of a TLS listener, rotated: tickets are sealed with the current key and
// opened with the current or the previous one, so a ticket lives at most two rotation periods and
// a stolen key opens no ticket older than that. Shared by every certificate set of the listener,
// so resumption survives a certificate reload.
#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <mutex>

namespace x402gw::net {

/// Rotating AES-256-CBC + HMAC-SHA256 ticket keys (the scheme OpenSSL's own tickets use).
class TicketKeys {
 public:
  explicit TicketKeys(std::chrono::milliseconds rotation);
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  /// Makes `ctx` seal and open its tickets with these keys (which must outlive it).
  void attach(SSL_CTX* ctx);

  /// How many times the keys were rotated (for tests and logs).
  uint64_t rotations() const;

 private:
  struct Key {
    std::array<unsigned char, 16> name{};
    std::array<unsigned char, 32> aes{};
    std::array<unsigned char, 32> hmac{};
  };
  static int callback(SSL* ssl, unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc);
  int seal_or_open(unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc);
  void rotate_if_due();  // with mutex_ held
  static Key fresh_key();

  mutable std::mutex mutex_;
  std::chrono::milliseconds rotation_;
  std::chrono::steady_clock::time_point rotated_at_;
  Key current_;
  Key previous_;
  bool has_previous_ = false;
  uint64_t rotations_ = 0;
};

}  // namespace x402gw::net
