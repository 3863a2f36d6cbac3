#pragma once
// A private key that signs JWTs, parsed once from the secret formats facilitators hand out:
// CDP's PEM EC keys (SEC1 "EC PRIVATE KEY" or PKCS#8) and base64 Ed25519 secrets (seed + public
// key, 64 bytes), and PayAI's base64 PKCS#8 Ed25519 secrets ("payai_sk_" prefix optional).
// Parse errors name what is wrong, never the secret.
#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace x402gw::auth {

/// The JWS algorithm a key signs with.
enum class Algorithm { es256, eddsa };

/// "ES256" or "EdDSA", as the JWT header's `alg` spells it.
std::string_view jws_name(Algorithm a) noexcept;

/// An immutable private key, shareable across threads (signing does not modify it).
class SigningKey {
 public:
  SigningKey(std::shared_ptr<EVP_PKEY> key, Algorithm alg) : key_(std::move(key)), alg_(alg) {}

  Algorithm algorithm() const noexcept { return alg_; }
  /// The JWS signature of `message`: 64 bytes, r||s for ES256 (not DER), raw for EdDSA.
  /// nullopt only if OpenSSL fails.
  std::optional<std::string> sign(std::string_view message) const;
  /// The OpenSSL key, for tests that verify with its public half.
  EVP_PKEY* native() const noexcept { return key_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> key_;
  Algorithm alg_;
};

/// A key, or a sentence saying why the secret is not one.
using KeyResult = std::variant<SigningKey, std::string>;

/// A CDP API key secret: PEM (P-256 EC in SEC1 or PKCS#8, or Ed25519 PKCS#8) -> ES256/EdDSA, or
/// base64 of 64 bytes (Ed25519 seed followed by its public key) -> EdDSA. Literal "\n" sequences
/// (a PEM pasted into one environment variable line) are read as line breaks.
KeyResult parse_cdp_secret(std::string_view secret);

/// A PayAI API key secret: base64 (or base64url) DER PKCS#8 of an Ed25519 key, with or without
/// the "payai_sk_" prefix the merchant portal shows, or the same key as PEM.
KeyResult parse_payai_secret(std::string_view secret);

}  // namespace x402gw::auth
