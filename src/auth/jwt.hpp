#pragma once
// Compact JWS (RFC 7515) tokens, and the two token shapes facilitators ask for. Pure: the time,
// the nonce and the jti come in as arguments, so tests can rebuild every field.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/signing_key.hpp"

namespace x402gw::auth {

/// Seconds a token is valid, as the reference SDKs mint them.
inline constexpr int64_t kTokenLifetimeSeconds = 120;

/// base64url(header) "." base64url(claims) "." base64url(signature); nullopt if signing failed.
/// `header` gets its `alg` from the key.
std::optional<std::string> sign_jwt(const SigningKey& key, nlohmann::ordered_json header,
                                    const nlohmann::ordered_json& claims);

/// The call a token is bound to.
struct CallTarget {
  std::string_view method;  // "POST"
  std::string_view host;    // "api.cdp.coinbase.com" (with ":port" when not the scheme's default)
  std::string_view path;    // "/platform/v2/x402/verify"
};

/// A Coinbase CDP API token (as @coinbase/cdp-sdk's generateJwt):
/// header {alg, kid: key id, typ: "JWT", nonce}, claims {sub: key id, iss: "cdp",
/// uris: ["METHOD host/path"], iat, nbf: now, exp: now + 120}.
std::optional<std::string> cdp_token(const SigningKey& key, std::string_view key_id, const CallTarget& target,
                                     int64_t now, std::string_view nonce);

/// A PayAI merchant API token (as @payai/facilitator): header {alg: "EdDSA", typ: "JWT", kid},
/// claims {sub: key id, iss: "payai-merchant", iat: now, exp: now + 120, jti}. Not bound to a call.
std::optional<std::string> payai_token(const SigningKey& key, std::string_view key_id, int64_t now, std::string_view jti);

}  // namespace x402gw::auth
