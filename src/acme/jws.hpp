#pragma once
// JSON Web Signatures as ACME requests them (RFC 8555 section 6.2): flattened JSON, ES256, the
// account's JWK (newAccount) or its URL (every later request), the nonce and the URL signed.
#include <optional>
#include <string>

#include "acme/crypto.hpp"

namespace x402gw::acme {

/// The body of one signed ACME request. `payload` nullopt is a POST-as-GET (empty payload);
/// `kid` empty signs with the JWK instead.
std::string sign_request(const Key& account, const std::string& url, const std::string& nonce,
                         const std::optional<std::string>& payload, const std::string& kid);

/// The key authorization of a challenge token (RFC 8555 section 8.1).
std::string key_authorization(const std::string& token, const Key& account);

}  // namespace x402gw::acme
