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

TicketKeys::TicketKeys(std::chrono::milliseconds rotation)
    : rotation_(rotation), rotated_at_(std::chrono::steady_clock::now()), current_(fresh_key()) {}

TicketKeys::Key TicketKeys::fresh_key() {
  Key k;
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
  return rotations_;
}

// Rotation is lazy (done when a ticket is sealed or opened), so it counts the periods that passed:
// a key current since r0 opens tickets until r0 + 2 periods and never later, busy or idle.
void TicketKeys::rotate_if_due() {
  const auto now = std::chrono::steady_clock::now();
  const auto elapsed = now - rotated_at_;
  if (elapsed < rotation_) return;
  Key next;
  try {
    next = fresh_key();
  } catch (const std::exception&) {
    return;  // keep the current key: better than no resumption
  }
  previous_ = current_;
  has_previous_ = elapsed < 2 * rotation_;
  current_ = next;
  rotated_at_ = now;
  ++rotations_;
}

int TicketKeys::callback(SSL* ssl, unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  auto* self = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index()));
  if (!self) return enc ? -1 : 0;
  return self->seal_or_open(name, iv, cipher, mac, enc);
}

int TicketKeys::seal_or_open(unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  std::lock_guard lock(mutex_);
  rotate_if_due();
  const Key* key = nullptr;
  int result = 1;
  if (enc) {
    if (RAND_bytes(iv, 16) != 1) return -1;
    key = &current_;
    std::memcpy(name, key->name.data(), 16);
  } else if (std::memcmp(name, current_.name.data(), 16) == 0) {
    key = &current_;
  } else if (has_previous_ && std::memcmp(name, previous_.name.data(), 16) == 0) {
    key = &previous_;
    result = 2;  // valid, but issue a ticket under the current key
  } else {
    return 0;  // unknown or expired key: a full handshake
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
