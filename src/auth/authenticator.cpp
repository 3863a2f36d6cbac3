#include "auth/authenticator.hpp"

#include <openssl/rand.h>

#include <chrono>

#include "x402/digest.hpp"

#ifndef X402GW_VERSION
#define X402GW_VERSION "0.0.0"
#endif

namespace x402gw::auth {
namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<std::string> random_bytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) return std::nullopt;
  return bytes;
}

class CdpAuthenticator final : public Authenticator {
 public:
  CdpAuthenticator(std::string key_id, SigningKey key)
      : key_id_(std::move(key_id)), key_(std::move(key)), correlation_(correlation_context()) {}
  std::string_view type() const override { return "cdp"; }
  std::optional<HeaderList> headers(const CallTarget& target) const override {
    auto nonce = random_hex(16);
    if (!nonce) return std::nullopt;
    auto token = cdp_token(key_, key_id_, target, unix_now(), *nonce);
    if (!token) return std::nullopt;
    return HeaderList{{"Authorization", "Bearer " + *token}, {"Correlation-Context", correlation_}};
  }

 private:
  std::string key_id_;
  SigningKey key_;
  std::string correlation_;
};

class PayaiAuthenticator final : public Authenticator {
 public:
  PayaiAuthenticator(std::string key_id, SigningKey key) : key_id_(std::move(key_id)), key_(std::move(key)) {}
  std::string_view type() const override { return "payai"; }
  // A fresh token per call (the reference caches one for up to 90 s): an Ed25519 signature costs
  // tens of microseconds, and no token outlives the call it was made for.
  std::optional<HeaderList> headers(const CallTarget&) const override {
    auto jti = random_uuid();
    if (!jti) return std::nullopt;
    auto token = payai_token(key_, key_id_, unix_now(), *jti);
    if (!token) return std::nullopt;
    return HeaderList{{"Authorization", "Bearer " + *token}};
  }

 private:
  std::string key_id_;
  SigningKey key_;
};

class StaticAuthenticator final : public Authenticator {
 public:
  StaticAuthenticator(std::string type, std::string name, std::string value)
      : type_(std::move(type)), headers_{{std::move(name), std::move(value)}} {}
  std::string_view type() const override { return type_; }
  std::optional<HeaderList> headers(const CallTarget&) const override { return headers_; }

 private:
  std::string type_;
  HeaderList headers_;
};

}  // namespace

AuthenticatorPtr make_cdp_authenticator(std::string key_id, SigningKey key) {
  return std::make_shared<CdpAuthenticator>(std::move(key_id), std::move(key));
}

AuthenticatorPtr make_payai_authenticator(std::string key_id, SigningKey key) {
  return std::make_shared<PayaiAuthenticator>(std::move(key_id), std::move(key));
}

AuthenticatorPtr make_static_authenticator(std::string type, std::string name, std::string value) {
  return std::make_shared<StaticAuthenticator>(std::move(type), std::move(name), std::move(value));
}

std::string correlation_context() {
  // The keys and their order as @coinbase/x402's createCorrelationHeader; the values say who we are.
  return std::string("sdk_version=") + X402GW_VERSION + ",sdk_language=cpp,source=x402-gateway,source_version=" +
         X402GW_VERSION;
}

std::optional<std::string> random_hex(size_t n) {
  auto bytes = random_bytes(n);
  if (!bytes) return std::nullopt;
  return x402::to_hex(*bytes);
}

std::optional<std::string> random_uuid() {
  auto bytes = random_bytes(16);
  if (!bytes) return std::nullopt;
  (*bytes)[6] = static_cast<char>((static_cast<unsigned char>((*bytes)[6]) & 0x0f) | 0x40);  // version 4
  (*bytes)[8] = static_cast<char>((static_cast<unsigned char>((*bytes)[8]) & 0x3f) | 0x80);  // RFC 4122 variant
  std::string h = x402::to_hex(*bytes);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace x402gw::auth
