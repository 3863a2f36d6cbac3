#include "http/https_redirect.hpp"

#include <gtest/gtest.h>

using namespace x402gw;

TEST(HttpsRedirect, KeepsTheHostPathAndQueryAndNamesTheHttpsPort) {
  auto reply = std::get<core::DocumentReply>(http::https_redirect("shop.test:8080", "/a?b=1", 8443));
  EXPECT_EQ(reply.status, 308u);
  EXPECT_EQ(reply.headers.at(0).second, "https://shop.test:8443/a?b=1");
  auto standard = std::get<core::DocumentReply>(http::https_redirect("shop.test", "/", 443));
  EXPECT_EQ(standard.headers.at(0).second, "https://shop.test/");
  auto v6 = std::get<core::DocumentReply>(http::https_redirect("[::1]:80", "/", 443));
  EXPECT_EQ(v6.headers.at(0).second, "https://[::1]/");
  EXPECT_TRUE(std::holds_alternative<core::ErrorReply>(http::https_redirect("", "/", 443)));
}

TEST(HttpsRedirect, RecognisesAcmeTokensOnly) {
  EXPECT_EQ(http::acme_challenge_token("/.well-known/acme-challenge/abc_DEF-1"), "abc_DEF-1");
  EXPECT_FALSE(http::acme_challenge_token("/.well-known/acme-challenge/"));
  EXPECT_FALSE(http::acme_challenge_token("/.well-known/acme-challenge/a/b"));
  EXPECT_FALSE(http::acme_challenge_token("/.well-known/acme-challenge/a%2e"));
  EXPECT_FALSE(http::acme_challenge_token("/other"));
}
