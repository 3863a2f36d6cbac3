#include "net/acme_challenges.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

namespace x402gw::net {

void AcmeChallenges::set_http(const std::string& token, const std::string& key_authorization) {
  std::lock_guard lock(mutex_);
  http_[token] = key_authorization;
}

void AcmeChallenges::clear_http(const std::string& token) {
  std::lock_guard lock(mutex_);
  http_.erase(token);
}

std::optional<std::string> AcmeChallenges::http(const std::string& token) const {
  std::lock_guard lock(mutex_);
  auto it = http_.find(token);
  if (it == http_.end()) return std::nullopt;
  return it->second;
}

void AcmeChallenges::set_tls_alpn(const std::string& domain, std::shared_ptr<boost::asio::ssl::context> context) {
  std::lock_guard lock(mutex_);
  tls_alpn_[domain] = std::move(context);
}

void AcmeChallenges::clear_tls_alpn(const std::string& domain) {
  std::lock_guard lock(mutex_);
  tls_alpn_.erase(domain);
}

std::shared_ptr<boost::asio::ssl::context> AcmeChallenges::tls_alpn(const std::string& domain) const {
  std::lock_guard lock(mutex_);
  auto it = tls_alpn_.find(domain);
  return it == tls_alpn_.end() ? nullptr : it->second;
}

namespace {

int select_acme_tls(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen, void*) {
  static const unsigned char kProto[] = "\x0a" "acme-tls/1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kProto, sizeof kProto - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_tls_alpn_context(const std::string& cert_pem, const std::string& key_pem) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
  if (!ec) ctx->use_private_key(boost::asio::buffer(key_pem), ssl::context::pem, ec);
  if (ec) throw std::runtime_error("cannot load the tls-alpn-01 certificate: " + ec.message());
  SSL_CTX_set_alpn_select_cb(ctx->native_handle(), &select_acme_tls, nullptr);
  return ctx;
}

}  // namespace x402gw::net
