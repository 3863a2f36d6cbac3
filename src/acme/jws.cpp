#include "acme/jws.hpp"

#include <nlohmann/json.hpp>

namespace x402gw::acme {

std::string sign_request(const Key& account, const std::string& url, const std::string& nonce,
                         const std::optional<std::string>& payload, const std::string& kid) {
  nlohmann::json header = {{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
  if (kid.empty()) header["jwk"] = nlohmann::json::parse(account.jwk());
  else header["kid"] = kid;
  const std::string protected_b64 = base64url(header.dump());
  const std::string payload_b64 = payload ? base64url(*payload) : "";
  const std::string signature = base64url(account.sign_es256(protected_b64 + "." + payload_b64));
  return nlohmann::json{{"protected", protected_b64}, {"payload", payload_b64}, {"signature", signature}}.dump();
}

std::string key_authorization(const std::string& token, const Key& account) { return token + "." + account.thumbprint(); }

}  // namespace x402gw::acme
