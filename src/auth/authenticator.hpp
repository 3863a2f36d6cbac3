#pragma once
// How a facilitator call proves who sends it. The facilitator client asks its Authenticator for
// the headers of each call (method, host, path); signed-token authenticators mint a fresh token
// bound to that call every time. Built once from the configuration (keys parsed at load), then
// shared read-only by every worker thread.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/jwt.hpp"
#include "auth/signing_key.hpp"

namespace x402gw::auth {

/// Header name/value pairs to add to one request.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Supplies the authentication headers of facilitator calls.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  /// "cdp", "payai", "bearer" or "header", for logs (never the secret).
  virtual std::string_view type() const = 0;
  /// The headers for one call; nullopt only when a token could not be signed.
  virtual std::optional<HeaderList> headers(const CallTarget& target) const = 0;
};

using AuthenticatorPtr = std::shared_ptr<const Authenticator>;

/// Coinbase CDP: `Authorization: Bearer <cdp_token>` with a fresh nonce per call, and the
/// `Correlation-Context` header the reference clients send.
AuthenticatorPtr make_cdp_authenticator(std::string key_id, SigningKey key);

/// PayAI: `Authorization: Bearer <payai_token>` with a fresh jti per call.
AuthenticatorPtr make_payai_authenticator(std::string key_id, SigningKey key);

/// One fixed header: `Authorization: Bearer <token>` (type "bearer") or any `name: value`
/// (type "header").
AuthenticatorPtr make_static_authenticator(std::string type, std::string name, std::string value);

/// What CDP's reference clients send as Correlation-Context, with this gateway's name and version.
std::string correlation_context();

/// `n` random bytes as lowercase hex (the CDP header nonce); nullopt if the CSPRNG fails.
std::optional<std::string> random_hex(size_t n);

/// A random (version 4) UUID, as crypto.randomUUID() writes it (the PayAI jti).
std::optional<std::string> random_uuid();

}  // namespace x402gw::auth
