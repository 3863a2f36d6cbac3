#include "net/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace x402gw::net {
namespace {

int ex_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

TicketKeyRing::TicketKeyRing(std::chrono::milliseconds rotation, Clock::time_point now, std::function<Key()> fresh)
    : rotation_(rotation), fresh_(std::move(fresh)), current_(fresh_()) {
  current_.created = now;
}

void TicketKeyRing::rotate_if_due(Clock::time_point now) {
  if (now - current_.created < rotation_) return;
  Key next;
  try {
    next = fresh_();
  } catch (const std::exception&) {
    return;  // keep the current key: better than no resumption (for_open still bounds its age)
  }
  next.created = now;
  previous_ = current_;
  has_previous_ = true;
  current_ = next;
  ++rotations_;
}

const TicketKeyRing::Key& TicketKeyRing::for_seal(Clock::time_point now) {
  rotate_if_due(now);
  return current_;
}

TicketKeyRing::Opened TicketKeyRing::for_open(const unsigned char name[16], Clock::time_point now) {
  rotate_if_due(now);
  // Every key opens tickets for two periods from its creation, and never after, whenever the
  // rotation happened: the age is the key's, not the time since the last rotation.
  auto usable = [&](const Key& k) { return now - k.created < 2 * rotation_; };
  if (std::memcmp(name, current_.name.data(), 16) == 0) {
    if (!usable(current_)) return {};
    // A current key older than a period (rotation failed for want of randomness) still opens,
    // and asks for a fresh ticket.
    return {&current_, now - current_.created >= rotation_};
  }
  if (has_previous_ && std::memcmp(name, previous_.name.data(), 16) == 0 && usable(previous_)) return {&previous_, true};
  return {};
}

TicketKeys::TicketKeys(std::chrono::milliseconds rotation, Now now)
    : now_(std::move(now)), ring_(rotation, now_(), &TicketKeys::fresh_key) {}

TicketKeyRing::Key TicketKeys::fresh_key() {
  TicketKeyRing::Key k;
  if (RAND_bytes(k.name.data(), static_cast<int>(k.name.size())) != 1 || RAND_bytes(k.aes.data(), static_cast<int>(k.aes.size())) != 1 ||
      RAND_bytes(k.hmac.data(), static_cast<int>(k.hmac.size())) != 1)
    throw std::runtime_error("no randomness for TLS session ticket keys");
  return k;
}

void TicketKeys::attach(SSL_CTX* ctx) {
  SSL_CTX_set_ex_data(ctx, ex_index(), this);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &TicketKeys::callback);
}

uint64_t TicketKeys::rotations() const {
  std::lock_guard lock(mutex_);
  return ring_.rotations();
}

int TicketKeys::callback(SSL* ssl, unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  // OpenSSL calls the callback of the context the handshake started on (the listener's), but
  // SSL_get_SSL_CTX is the one the ClientHello switched to: an ACME tls-alpn-01 context has no
  // keys. 0 then means "no ticket" (an empty one for TLS 1.2) and "not resumed": never an error.
  auto* self = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index()));
  if (!self) return 0;
  return self->seal_or_open(name, iv, cipher, mac, enc);
}

int TicketKeys::seal_or_open(unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  const TicketKeyRing::Key* key = nullptr;
  int result = 1;
  if (enc) {
    if (RAND_bytes(iv, 16) != 1) return -1;
    key = &ring_.for_seal(now);
    std::memcpy(name, key->name.data(), 16);
  } else {
    const auto opened = ring_.for_open(name, now);
    if (!opened.key) return 0;  // unknown or expired key: a full handshake
    key = opened.key;
    if (opened.renew) result = 2;  // valid, but issue a ticket under the current key
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key->hmac.data()), key->hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0), OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
  const int ok = enc ? EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv)
                     : EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv);
  return ok == 1 ? result : -1;
}

}  // namespace x402gw::net
