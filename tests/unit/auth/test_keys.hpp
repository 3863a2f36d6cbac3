#pragma once
// Test keys made fresh with OpenSSL, written in the formats facilitators hand out, and a JWT
// decoder that verifies a token with the public half only.
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/base64url.hpp"
#include "x402/base64.hpp"

namespace x402gw::auth::test {

using Pkey = std::shared_ptr<EVP_PKEY>;

// EVP_PKEY_Q_keygen is variadic: "EC" takes a curve name, "RSA" a size_t bit count, the Edwards
// types nothing. Passing the wrong argument is undefined (an RSA key of garbage size ran for
// minutes under ASan), so each kind has its own call.
inline Pkey generate(const char* type, const char* curve = nullptr) {
  EVP_PKEY* k = nullptr;
  if (curve) k = EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve);
  else if (std::string_view(type) == "RSA") k = EVP_PKEY_Q_keygen(nullptr, nullptr, type, static_cast<size_t>(2048));
  else k = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  return Pkey(k, EVP_PKEY_free);
}

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

/// "-----BEGIN EC PRIVATE KEY-----" (SEC1), as CDP's key files hold.
inline std::string sec1_pem(EVP_PKEY* k) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey_traditional(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

/// "-----BEGIN PRIVATE KEY-----" (PKCS#8), optionally encrypted with `passphrase`.
inline std::string pkcs8_pem(EVP_PKEY* k, const char* passphrase = nullptr) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PKCS8PrivateKey(bio.get(), k, passphrase ? EVP_aes_256_cbc() : nullptr, nullptr, 0, nullptr,
                                const_cast<char*>(passphrase));
  return bio_text(bio.get());
}

/// base64 of PKCS#8 DER: PayAI's secret format (without its "payai_sk_" prefix).
inline std::string pkcs8_der_base64(EVP_PKEY* k) {
  std::string pem = pkcs8_pem(k);
  std::string body;
  for (size_t at = pem.find('\n') + 1; at < pem.size() && pem[at] != '-'; ++at)
    if (pem[at] != '\n') body += pem[at];
  return body;
}

/// CDP's Ed25519 secret: base64 of the 32-byte seed followed by the 32-byte public key.
inline std::string cdp_ed25519_secret(EVP_PKEY* k) {
  unsigned char seed[32], pub[32];
  size_t n = 32, m = 32;
  EVP_PKEY_get_raw_private_key(k, seed, &n);
  EVP_PKEY_get_raw_public_key(k, pub, &m);
  return x402::base64_encode(std::string(reinterpret_cast<char*>(seed), 32) + std::string(reinterpret_cast<char*>(pub), 32));
}

/// The public half only, as a verifier holds it.
inline Pkey public_only(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  const unsigned char* p = der;
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, n);
  OPENSSL_free(der);
  return Pkey(pub, EVP_PKEY_free);
}

/// A decoded token.
struct Decoded {
  nlohmann::json header;
  nlohmann::ordered_json claims;
  std::string header_text, claims_text, signing_input, signature;
};

inline std::optional<Decoded> decode(const std::string& token) {
  const auto a = token.find('.'), b = token.find('.', a + 1);
  if (a == std::string::npos || b == std::string::npos || token.find('.', b + 1) != std::string::npos) return std::nullopt;
  auto h = base64url_decode(token.substr(0, a)), c = base64url_decode(token.substr(a + 1, b - a - 1)),
       s = base64url_decode(token.substr(b + 1));
  if (!h || !c || !s) return std::nullopt;
  Decoded d;
  d.header_text = *h;
  d.claims_text = *c;
  d.header = nlohmann::json::parse(*h);
  d.claims = nlohmann::ordered_json::parse(*c);
  d.signing_input = token.substr(0, b);
  d.signature = *s;
  return d;
}

/// Verifies a JWS signature (ES256 as r||s, or EdDSA) over the signing input with `pub`.
inline bool verify(EVP_PKEY* pub, const Decoded& d) {
  std::string sig = d.signature;
  const EVP_MD* md = nullptr;
  if (d.header.value("alg", "") == "ES256") {
    if (sig.size() != 64) return false;
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> es(ECDSA_SIG_new(), ECDSA_SIG_free);
    const auto* raw = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG_set0(es.get(), BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* der = nullptr;
    int n = i2d_ECDSA_SIG(es.get(), &der);
    sig.assign(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
    md = EVP_sha256();
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pub) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(d.signing_input.data()), d.signing_input.size()) == 1;
}

}  // namespace x402gw::auth::test
