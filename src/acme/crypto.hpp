#pragma once
// The cryptography of ACME (RFC 8555, RFC 8737) over OpenSSL, without I/O: the account key (ES256)
// with its JWK and thumbprint, base64url, certificate signing requests, the TLS-ALPN-01
// certificate, and the validity period of an issued certificate.
#include <openssl/evp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::acme {

/// base64url without padding (RFC 7515 section 2).
std::string base64url(std::string_view bytes);

/// A P-256 key: the account key, or a certificate's key.
class Key {
 public:
  /// A fresh key.
  static Key generate();
  /// A key from PEM (PKCS#8 or SEC1); nullopt when it is not a P-256 private key.
  static std::optional<Key> from_pem(std::string_view pem);

  std::string to_pem() const;
  /// The public key as a JWK, members in the order RFC 7638 hashes them.
  std::string jwk() const;
  /// The JWK thumbprint (RFC 7638), base64url.
  std::string thumbprint() const;
  /// An ES256 signature of `data`: r || s, 64 bytes.
  std::string sign_es256(std::string_view data) const;
  EVP_PKEY* native() const { return key_.get(); }

 private:
  explicit Key(EVP_PKEY* key) : key_(key, &EVP_PKEY_free) {}
  std::shared_ptr<EVP_PKEY> key_;
};

/// A CSR for `domains` (the first is the subject's CN, all are SANs), DER, signed with `key`.
std::string make_csr_der(const Key& key, const std::vector<std::string>& domains);

/// The self-signed certificate that answers a TLS-ALPN-01 challenge for `domain` (RFC 8737
/// section 3): the domain as its only SAN and the critical acmeIdentifier extension holding the
/// SHA-256 of the key authorization. PEM.
std::string make_tls_alpn_certificate(const Key& key, const std::string& domain, const std::string& key_authorization);

/// When a PEM certificate (the first of a chain) starts and ends being valid.
struct Validity {
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};
std::optional<Validity> certificate_validity(std::string_view pem);

/// The moment to renew a certificate: `fraction` of the way through its lifetime.
std::chrono::system_clock::time_point renewal_time(const Validity& v, double fraction);

}  // namespace x402gw::acme

namespace x402gw::acme {

/// Whether the first certificate of `cert_pem` and the private key of `key_pem` belong together
/// (false when either does not parse). Both may be the same text (a key followed by its chain).
bool certificate_matches_key(std::string_view cert_pem, std::string_view key_pem);

}  // namespace x402gw::acme
