#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "test_keys.hpp"

using namespace x402gw::auth;
using namespace x402gw::auth::test;

namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string header(const HeaderList& list, const std::string& name) {
  for (const auto& [n, v] : list)
    if (n == name) return v;
  return "";
}

}  // namespace

TEST(Authenticator, CdpMintsAFreshVerifiableTokenForEachCall) {
  auto k = generate("EC", "P-256");
  auto auth = make_cdp_authenticator("key-id", std::get<SigningKey>(parse_cdp_secret(sec1_pem(k.get()))));
  EXPECT_EQ(auth->type(), "cdp");
  const int64_t before = now_seconds();
  auto a = auth->headers({"POST", "fac.example", "/x402/verify"});
  auto b = auth->headers({"POST", "fac.example", "/x402/verify"});
  const int64_t after = now_seconds();
  ASSERT_TRUE(a && b);
  const std::string bearer = header(*a, "Authorization");
  ASSERT_EQ(bearer.rfind("Bearer ", 0), 0u);
  auto d = decode(bearer.substr(7));
  ASSERT_TRUE(d);
  EXPECT_TRUE(verify(public_only(k.get()).get(), *d));
  EXPECT_TRUE(std::regex_match(d->header["nonce"].get<std::string>(), std::regex("[0-9a-f]{32}")));
  const auto iat = d->claims["iat"].get<int64_t>();
  EXPECT_GE(iat, before);
  EXPECT_LE(iat, after);
  EXPECT_EQ(d->claims["exp"].get<int64_t>(), iat + 120);
  EXPECT_EQ(d->claims["uris"][0], "POST fac.example/x402/verify");
  auto e = decode(header(*b, "Authorization").substr(7));
  EXPECT_NE(d->header["nonce"], e->header["nonce"]);
  EXPECT_EQ(header(*a, "Correlation-Context"), correlation_context());
}

TEST(Authenticator, CorrelationContextHasTheReferenceKeysInOrder) {
  EXPECT_TRUE(std::regex_match(correlation_context(),
                               std::regex("sdk_version=[0-9.]+,sdk_language=cpp,source=x402-gateway,source_version=[0-9.]+")));
}

TEST(Authenticator, PayaiSendsOnlyABearerTokenWithAFreshJti) {
  auto k = generate("ED25519");
  auto auth = make_payai_authenticator("pk", std::get<SigningKey>(parse_payai_secret(pkcs8_der_base64(k.get()))));
  auto a = auth->headers({"POST", "h", "/verify"}), b = auth->headers({"POST", "h", "/verify"});
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), 1u);
  auto d = decode(header(*a, "Authorization").substr(7)), e = decode(header(*b, "Authorization").substr(7));
  ASSERT_TRUE(d && e);
  EXPECT_TRUE(verify(public_only(k.get()).get(), *d));
  EXPECT_NE(d->claims["jti"], e->claims["jti"]);
  EXPECT_FALSE(d->claims.contains("uris"));
}

TEST(Authenticator, StaticSendsItsOneHeader) {
  auto auth = make_static_authenticator("bearer", "Authorization", "Bearer t");
  auto h = auth->headers({"GET", "h", "/supported"});
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, (HeaderList{{"Authorization", "Bearer t"}}));
}

TEST(Authenticator, RandomUuidsAreVersion4) {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(std::regex_match(*random_uuid(), v4));
  EXPECT_NE(*random_uuid(), *random_uuid());
  EXPECT_EQ(random_hex(16)->size(), 32u);
}

// One authenticator serves every worker thread: concurrent signing shares the key read-only.
TEST(Authenticator, SignsConcurrentlyFromSeveralThreads) {
  for (const char* type : {"EC", "ED25519"}) {
    auto k = std::string(type) == "EC" ? generate("EC", "P-256") : generate("ED25519");
    const std::string secret = std::string(type) == "EC" ? sec1_pem(k.get()) : cdp_ed25519_secret(k.get());
    auto auth = make_cdp_authenticator("k", std::get<SigningKey>(parse_cdp_secret(secret)));
    auto pub = public_only(k.get());
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i) {
          auto h = auth->headers({"POST", "h", "/verify"});
          auto d = h ? decode(h->at(0).second.substr(7)) : std::nullopt;
          if (d && verify(pub.get(), *d)) ++good;
        }
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 400) << type;
  }
}
