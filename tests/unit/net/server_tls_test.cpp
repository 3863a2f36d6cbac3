#include "net/server_tls.hpp"

#include <gtest/gtest.h>

#include "acme/crypto.hpp"
#include "net/acme_challenges.hpp"
#include "tls_pair.hpp"

using namespace x402gw;

// An ACME validator that speaks TLS 1.2 and offers a session ticket (OpenSSL's default) used to
// get an internal error: the challenge context has no ticket keys, and sealing a ticket failed.
TEST(ServerTls, ATls12ValidatorOfferingATicketCompletesTheAlpnHandshake) {
  net::AcmeChallenges challenges;
  const acme::Key key = acme::Key::generate();
  challenges.set_tls_alpn("shop.test", net::make_tls_alpn_context(acme::make_tls_alpn_certificate(key, "shop.test", "token.thumb"), key.to_pem()));
  net::CertificateSet set({}, std::make_shared<net::TicketKeys>(std::chrono::hours(12)), &challenges);

  SSL_CTX* client = test::tls12_client();
  ASSERT_EQ(SSL_CTX_get_options(client) & SSL_OP_NO_TICKET, 0u) << "the client offers a ticket";
  const std::string acme_tls = std::string("\x0a", 1) + "acme-tls/1";
  auto r = test::handshake(set.base().native_handle(), client, "shop.test", acme_tls);
  EXPECT_TRUE(r.ok) << "server error " << r.server_alert_error;
  if (r.session) SSL_SESSION_free(r.session);
  SSL_CTX_free(client);
}
