#include "auth/jwt.hpp"

#include "auth/base64url.hpp"

namespace x402gw::auth {
namespace {

// Never throws: the key id is checked at load, and invalid UTF-8 would be replaced, not fatal.
std::string dump(const nlohmann::ordered_json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::optional<std::string> sign_jwt(const SigningKey& key, nlohmann::ordered_json header,
                                    const nlohmann::ordered_json& claims) {
  header["alg"] = std::string(jws_name(key.algorithm()));
  std::string token = base64url_encode(dump(header));
  token += '.';
  token += base64url_encode(dump(claims));
  auto signature = key.sign(token);
  if (!signature) return std::nullopt;
  token += '.';
  token += base64url_encode(*signature);
  return token;
}

std::optional<std::string> cdp_token(const SigningKey& key, std::string_view key_id, const CallTarget& target,
                                     int64_t now, std::string_view nonce) {
  nlohmann::ordered_json header;
  header["alg"] = nullptr;  // set by sign_jwt; first, as the references write it
  header["kid"] = key_id;
  header["typ"] = "JWT";
  header["nonce"] = nonce;
  std::string uri;
  uri.reserve(target.method.size() + 1 + target.host.size() + target.path.size());
  uri.append(target.method).append(" ").append(target.host).append(target.path);
  nlohmann::ordered_json claims;
  claims["sub"] = key_id;
  claims["iss"] = "cdp";
  claims["uris"] = nlohmann::ordered_json::array({uri});
  claims["iat"] = now;
  claims["nbf"] = now;
  claims["exp"] = now + kTokenLifetimeSeconds;
  return sign_jwt(key, std::move(header), claims);
}

std::optional<std::string> payai_token(const SigningKey& key, std::string_view key_id, int64_t now, std::string_view jti) {
  nlohmann::ordered_json header;
  header["alg"] = nullptr;
  header["typ"] = "JWT";
  header["kid"] = key_id;
  nlohmann::ordered_json claims;
  claims["sub"] = key_id;
  claims["iss"] = "payai-merchant";
  claims["iat"] = now;
  claims["exp"] = now + kTokenLifetimeSeconds;
  claims["jti"] = jti;
  return sign_jwt(key, std::move(header), claims);
}

}  // namespace x402gw::auth
