#include "auth/signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

#include "auth/base64url.hpp"
#include "x402/base64.hpp"

namespace x402gw::auth {
namespace {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

PkeyPtr own(EVP_PKEY* key) { return PkeyPtr(key, EVP_PKEY_free); }

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

// Never prompt for a passphrase on the terminal: an encrypted key is refused.
int no_passphrase(char*, int, int, void*) { return 0; }

PkeyPtr read_pem(std::string_view text) {
  std::string pem(text);
  // "\n" written out (one-line environment variables, JSON key files) is a line break.
  for (size_t at = pem.find("\\n"); at != std::string::npos; at = pem.find("\\n", at)) pem.replace(at, 2, "\n");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return nullptr;
  return own(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
}

bool is_p256(EVP_PKEY* key) {
  char group[64] = {0};
  size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1) return false;
  return std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "P-256") == 0;
}

KeyResult classify(PkeyPtr key, bool ec_allowed) {
  if (EVP_PKEY_is_a(key.get(), "ED25519")) return SigningKey(std::move(key), Algorithm::eddsa);
  if (ec_allowed && EVP_PKEY_is_a(key.get(), "EC")) {
    if (!is_p256(key.get())) return std::string("the EC key is not on the P-256 curve (ES256 needs P-256)");
    return SigningKey(std::move(key), Algorithm::es256);
  }
  return std::string(ec_allowed ? "the key is neither a P-256 EC key nor an Ed25519 key" : "the key is not an Ed25519 key");
}

std::optional<std::string> raw_signature(EVP_PKEY* key, const EVP_MD* md, std::string_view message) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1) return std::nullopt;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, data, message.size()) != 1) return std::nullopt;
  std::string sig(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &length, data, message.size()) != 1)
    return std::nullopt;
  sig.resize(length);
  return sig;
}

// JWS wants ES256 signatures as r||s, 32 bytes each; OpenSSL writes DER.
std::optional<std::string> der_to_jose(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())),
                                                            ECDSA_SIG_free);
  if (!sig) return std::nullopt;
  std::string out(64, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), bytes, 32) != 32) return std::nullopt;
  if (BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), bytes + 32, 32) != 32) return std::nullopt;
  return out;
}

}  // namespace

std::string_view jws_name(Algorithm a) noexcept { return a == Algorithm::es256 ? "ES256" : "EdDSA"; }

std::optional<std::string> SigningKey::sign(std::string_view message) const {
  if (alg_ == Algorithm::eddsa) return raw_signature(key_.get(), nullptr, message);
  auto der = raw_signature(key_.get(), EVP_sha256(), message);
  if (!der) return std::nullopt;
  return der_to_jose(*der);
}

KeyResult parse_cdp_secret(std::string_view secret) {
  const std::string_view text = trim(secret);
  if (text.empty()) return std::string("the key secret is empty");
  if (text.find("-----BEGIN") != std::string_view::npos) {
    PkeyPtr key = read_pem(text);
    if (!key) return std::string("the PEM key secret does not parse (an EC or Ed25519 private key, unencrypted, is expected)");
    return classify(std::move(key), true);
  }
  auto bytes = x402::base64_decode(text);
  if (!bytes) return std::string("the key secret is neither a PEM private key nor base64");
  if (bytes->size() != 64)
    return "a base64 Ed25519 key secret holds 64 bytes (seed and public key), this one holds " + std::to_string(bytes->size());
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes->data());
  PkeyPtr key = own(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw, 32));
  if (!key) return std::string("the Ed25519 seed is not accepted by OpenSSL");
  unsigned char derived[32];
  size_t length = sizeof derived;
  if (EVP_PKEY_get_raw_public_key(key.get(), derived, &length) != 1 || length != 32 || std::memcmp(derived, raw + 32, 32) != 0)
    return std::string("the Ed25519 key secret's public half does not belong to its seed (a truncated or mixed-up secret?)");
  return SigningKey(std::move(key), Algorithm::eddsa);
}

KeyResult parse_payai_secret(std::string_view secret) {
  std::string_view text = trim(secret);
  if (text.substr(0, 9) == "payai_sk_") text.remove_prefix(9);
  if (text.empty()) return std::string("the key secret is empty");
  if (text.find("-----BEGIN") != std::string_view::npos) {
    PkeyPtr key = read_pem(text);
    if (!key) return std::string("the PEM key secret does not parse (an unencrypted Ed25519 private key is expected)");
    return classify(std::move(key), false);
  }
  auto der = x402::base64_decode(text);
  if (!der) der = base64url_decode(text);
  if (!der) return std::string("the key secret is not base64 (PKCS#8 DER of an Ed25519 key, optionally prefixed payai_sk_)");
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  PkeyPtr key = own(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der->size())));
  if (!key) return std::string("the key secret is base64 but not a PKCS#8 private key");
  return classify(std::move(key), false);
}

}  // namespace x402gw::auth
