#include "acme/crypto.hpp"

#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/sha.h>

#include "acme/jws.hpp"

using namespace x402gw::acme;

TEST(Base64url, EncodesWithoutPadding) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url(std::string("\xfb\xff", 2)), "-_8");
}

TEST(Key, RoundTripsThroughPemAndRefusesOtherKeys) {
  const Key key = Key::generate();
  auto again = Key::from_pem(key.to_pem());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->jwk(), key.jwk());
  EXPECT_FALSE(Key::from_pem("not a key"));
}

// RFC 7638 section 3.1: the thumbprint hashes the required members in lexicographic order.
TEST(Key, ThumbprintIsTheSha256OfTheOrderedJwk) {
  const Key key = Key::generate();
  const std::string jwk = key.jwk();
  EXPECT_EQ(jwk.find(R"({"crv":"P-256","kty":"EC","x":")"), 0u);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(jwk.data()), jwk.size(), digest);
  EXPECT_EQ(key.thumbprint(), base64url(std::string(reinterpret_cast<char*>(digest), sizeof digest)));
  EXPECT_EQ(key.thumbprint().size(), 43u);
}

TEST(Key, Es256SignaturesAreRawAndVerify) {
  const Key key = Key::generate();
  const std::string sig = key.sign_es256("payload");
  ASSERT_EQ(sig.size(), 64u);
  ECDSA_SIG* ecdsa = ECDSA_SIG_new();
  ECDSA_SIG_set0(ecdsa, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(ecdsa, &der);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key.native()), 1);
  EXPECT_EQ(EVP_DigestVerify(md, der, len, reinterpret_cast<const unsigned char*>("payload"), 7), 1);
  EXPECT_NE(EVP_DigestVerify(md, der, len, reinterpret_cast<const unsigned char*>("pazload"), 7), 1);
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  ECDSA_SIG_free(ecdsa);
}

TEST(Jws, SignsWithTheJwkOrTheAccountUrl) {
  const Key key = Key::generate();
  const std::string with_jwk = sign_request(key, "https://ca/new-acct", "n1", std::string("{}"), "");
  const std::string with_kid = sign_request(key, "https://ca/order/1", "n2", std::nullopt, "https://ca/acct/7");
  auto header = [](const std::string& jws) {
    const auto at = jws.find("\"protected\":\"") + 13;
    return jws.substr(at, jws.find('"', at) - at);
  };
  // The protected header is base64url JSON: its prefix names the algorithm.
  EXPECT_EQ(header(with_jwk).substr(0, 8), base64url("{\"alg\":\"").substr(0, 8));
  EXPECT_NE(with_kid.find("\"payload\":\"\""), std::string::npos);  // POST-as-GET
  EXPECT_EQ(key_authorization("tok", key), "tok." + key.thumbprint());
}

TEST(Certificates, CsrAndTlsAlpnCertificateAreBuilt) {
  const Key key = Key::generate();
  EXPECT_GT(make_csr_der(key, {"a.example", "b.example"}).size(), 100u);
  EXPECT_THROW(make_csr_der(key, {}), std::runtime_error);
  const std::string pem = make_tls_alpn_certificate(key, "a.example", "tok.thumb");
  auto validity = certificate_validity(pem);
  ASSERT_TRUE(validity);
  EXPECT_LT(validity->not_before, validity->not_after);
  EXPECT_FALSE(certificate_validity("garbage"));
}

TEST(Renewal, HappensAtTheFractionOfTheLifetime) {
  using namespace std::chrono;
  const auto start = system_clock::time_point(seconds(1'000'000));
  const Validity v{start, start + hours(90 * 24)};
  EXPECT_EQ(renewal_time(v, 2.0 / 3.0), start + hours(60 * 24));
}
