#include "net/server_tls.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/error.hpp>
#include <ctime>
#include <stdexcept>

#include "net/client_hello.hpp"

namespace x402gw::net {
namespace ssl = boost::asio::ssl;
namespace {

// Mozilla's "intermediate" list for TLS 1.2 (TLS 1.3 suites are all modern; OpenSSL's defaults).
constexpr const char* kCiphers12 =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen, void*) {
  static const unsigned char kProto[] = "\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kProto, sizeof kProto - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;  // a client that offers only h2 gets no ALPN, and HTTP/1.1
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::unique_ptr<ssl::context> configured_context(TicketKeys& tickets) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_cipher_list(native, kCiphers12);
  // Idle keep-alive connections give their read and write buffers back.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_alpn_select_cb(native, &select_http11, nullptr);
  static const unsigned char kSessionContext[] = "x402-gateway";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  // Resumption by tickets only: nothing to share between worker threads or replicas.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  tickets.attach(native);
  return ctx;
}

std::vector<std::string> names_of(X509* cert) {
  std::vector<std::string> names;
  auto lower = [](std::string s) {
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
  };
  if (auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
      if (name->type != GEN_DNS) continue;
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)), ASN1_STRING_length(dns))));
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) names.push_back(lower(cn));
  }
  return names;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// A certificate's notAfter as unix seconds, or 0 when it cannot be read.
int64_t not_after_of(X509* cert) {
  struct tm when {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &when) != 1) return 0;
  return static_cast<int64_t>(timegm(&when));
}

}  // namespace

CertificateSet::CertificateSet(const std::vector<CertificateSource>& sources, std::shared_ptr<TicketKeys> tickets,
                               AcmeChallenges* challenges)
    : tickets_(std::move(tickets)), challenges_(challenges) {
  base_ = configured_context(*tickets_);
  SSL_CTX_set_client_hello_cb(base_->native_handle(), &CertificateSet::on_client_hello, this);
  for (const auto& source : sources) {
    const auto& files = source.files;
    if (source.optional && !(file_exists(files.cert_file) && file_exists(files.key_file))) continue;
    auto ctx = configured_context(*tickets_);
    error_code ec;
    ctx->use_certificate_chain_file(files.cert_file, ec);
    if (ec) throw std::runtime_error("cannot load the certificate " + files.cert_file + ": " + ec.message());
    ctx->use_private_key_file(files.key_file, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot load the private key " + files.key_file + ": " + ec.message());
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
      throw std::runtime_error("the private key " + files.key_file + " does not match the certificate " + files.cert_file);
    X509* leaf = SSL_CTX_get0_certificate(ctx->native_handle());
    if (leaf)
      if (int64_t not_after = not_after_of(leaf); not_after > 0 && (earliest_expiry_ == 0 || not_after < earliest_expiry_))
        earliest_expiry_ = not_after;
    entries_.push_back(Entry{leaf ? names_of(leaf) : std::vector<std::string>{}, std::move(ctx)});
  }
}

int CertificateSet::on_client_hello(SSL* ssl, int* alert, void* arg) {
  auto* self = static_cast<CertificateSet*>(arg);
  const unsigned char* data = nullptr;
  size_t size = 0;
  std::optional<std::string> host;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &size) == 1) host = parse_server_name(data, size);
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data, &size) == 1) {
    for (const auto& protocol : parse_alpn(data, size)) {
      if (protocol != "acme-tls/1") continue;
      // An ACME server validating a domain: only the challenge certificate answers it.
      auto challenge = host && self->challenges_ ? self->challenges_->tls_alpn(*host) : nullptr;
      if (!challenge) {
        *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
        return SSL_CLIENT_HELLO_ERROR;
      }
      SSL_set_SSL_CTX(ssl, challenge->native_handle());
      // A validation is one handshake: no ticket to seal (the challenge context has no keys).
      SSL_set_options(ssl, SSL_OP_NO_TICKET);
      return SSL_CLIENT_HELLO_SUCCESS;
    }
  }
  const Entry* chosen = nullptr;
  if (host)
    for (const auto& entry : self->entries_) {
      for (const auto& name : entry.names)
        if (name_matches(name, *host)) {
          chosen = &entry;
          break;
        }
      if (chosen) break;
    }
  if (!chosen && !self->entries_.empty()) chosen = &self->entries_.front();
  if (!chosen) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  SSL_set_SSL_CTX(ssl, chosen->context->native_handle());
  return SSL_CLIENT_HELLO_SUCCESS;
}

ServerTls::ServerTls(const ServerTlsSettings& settings, std::vector<CertificateSource> sources, AcmeChallenges* challenges)
    : settings_(settings), sources_(std::move(sources)), challenges_(challenges),
      tickets_(std::make_shared<TicketKeys>(settings.ticket_key_rotation)) {
  auto before = snapshot();
  current_.store(std::make_shared<CertificateSet>(sources_, tickets_, challenges_));
  loaded_ = std::move(before);
}

std::optional<std::string> ServerTls::reload() {
  // The state is taken before reading: a file written during the load is seen as changed next time.
  auto before = snapshot();
  try {
    current_.store(std::make_shared<CertificateSet>(sources_, tickets_, challenges_), std::memory_order_release);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  loaded_ = std::move(before);
  return std::nullopt;
}

std::vector<ServerTls::FileState> ServerTls::snapshot() const {
  std::vector<FileState> out;
  for (const auto& source : sources_)
    for (const std::string* path : {&source.files.cert_file, &source.files.key_file}) {
      struct stat st;
      FileState f;
      if (::stat(path->c_str(), &st) == 0) f = FileState{true, st.st_mtim, st.st_size};
      out.push_back(f);
    }
  return out;
}

bool ServerTls::files_changed() const { return !(snapshot() == loaded_); }

std::string_view handshake_failure_reason(const error_code& ec) {
  if (ec == beast::error::timeout) return "timeout";
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated ||
      ec == asio::error::broken_pipe || ec == asio::error::operation_aborted)
    return "closed";
  if (ec.category() == asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_VERSION_TOO_LOW:
      case SSL_R_NO_PROTOCOLS_AVAILABLE:
        return "protocol_version";
      case SSL_R_NO_SHARED_CIPHER: return "no_shared_cipher";
      case SSL_R_HTTP_REQUEST: return "plain_http";
      case SSL_R_CALLBACK_FAILED: return "unknown_name";
      default: break;
    }
    const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason >= SSL_AD_REASON_OFFSET) return "client_alert";
  }
  return "other";
}

}  // namespace x402gw::net
