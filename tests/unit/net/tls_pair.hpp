#pragma once
// A TLS client and server handshaking in memory (a BIO pair): real OpenSSL on both sides, no sockets.
#include <openssl/ssl.h>

#include <string>

namespace x402gw::test {

/// What one in-memory handshake did.
struct HandshakeResult {
  bool ok = false;               // both sides finished
  bool resumed = false;          // the client resumed the offered session
  int server_alert_error = 0;    // SSL_get_error on the server when it failed
  SSL_SESSION* session = nullptr;  // the client's session afterwards (owned by the caller)
};

/// Handshakes a fresh client of `client_ctx` (SNI `server_name`, optional ALPN list in wire format,
/// optional session to resume) with a fresh server of `server_ctx`.
inline HandshakeResult handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx, const char* server_name,
                                 const std::string& alpn = {}, SSL_SESSION* resume = nullptr) {
  HandshakeResult r;
  SSL* client = SSL_new(client_ctx);
  SSL* server = SSL_new(server_ctx);
  BIO *client_bio = nullptr, *server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  if (server_name) SSL_set_tlsext_host_name(client, server_name);
  if (!alpn.empty()) SSL_set_alpn_protos(client, reinterpret_cast<const unsigned char*>(alpn.data()), static_cast<unsigned>(alpn.size()));
  if (resume) SSL_set_session(client, resume);
  bool client_done = false, server_done = false, failed = false;
  for (int i = 0; i < 50 && !(client_done && server_done) && !failed; ++i) {
    if (!client_done) {
      const int rc = SSL_do_handshake(client);
      if (rc == 1) client_done = true;
      else if (const int e = SSL_get_error(client, rc); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) failed = true;
    }
    if (!server_done) {
      const int rc = SSL_do_handshake(server);
      if (rc == 1) server_done = true;
      else if (const int e = SSL_get_error(server, rc); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        r.server_alert_error = e;
        failed = true;
      }
    }
  }
  r.ok = client_done && server_done && !failed;
  if (r.ok) {
    r.resumed = SSL_session_reused(client) == 1;
    r.session = SSL_get1_session(client);
    // A client freed without close_notify marks its session not resumable.
    SSL_shutdown(client);
  }
  SSL_free(client);
  SSL_free(server);
  return r;
}

/// A TLS 1.2 client context that offers tickets and verifies nothing (the tests check the server).
inline SSL_CTX* tls12_client() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  return ctx;
}

}  // namespace x402gw::test
