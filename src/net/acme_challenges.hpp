#pragma once
// The answers an ACME server's validation asks for while an order is pending, shared between the
// ACME client that sets them and the listeners that serve them: HTTP-01 key authorizations by
// token (RFC 8555 section 8.3) and TLS-ALPN-01 certificates by domain (RFC 8737). Thread-safe:
// set on one thread, read by every worker's handshakes and requests.
#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace x402gw::net {

/// The pending ACME challenge answers of the process.
class AcmeChallenges {
 public:
  void set_http(const std::string& token, const std::string& key_authorization);
  void clear_http(const std::string& token);
  /// The key authorization for `token`, if a challenge with that token is pending.
  std::optional<std::string> http(const std::string& token) const;

  /// Serves `context` to TLS-ALPN-01 validations of `domain` (lower case).
  void set_tls_alpn(const std::string& domain, std::shared_ptr<boost::asio::ssl::context> context);
  void clear_tls_alpn(const std::string& domain);
  std::shared_ptr<boost::asio::ssl::context> tls_alpn(const std::string& domain) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> http_;
  std::map<std::string, std::shared_ptr<boost::asio::ssl::context>> tls_alpn_;
};

/// A TLS context that answers only the "acme-tls/1" protocol, with the given PEM certificate and key.
/// Throws std::runtime_error when they do not load.
std::shared_ptr<boost::asio::ssl::context> make_tls_alpn_context(const std::string& cert_pem, const std::string& key_pem);

}  // namespace x402gw::net
