#include "auth/signing_key.hpp"

#include <gtest/gtest.h>

#include "test_keys.hpp"

using namespace x402gw::auth;
using namespace x402gw::auth::test;

namespace {

std::string error_of(const KeyResult& r) { return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : ""; }

// Signs with the parsed key and checks the signature with the original key's public half.
void expect_signs_as(const KeyResult& r, EVP_PKEY* original, Algorithm alg) {
  ASSERT_TRUE(std::holds_alternative<SigningKey>(r)) << error_of(r);
  const auto& key = std::get<SigningKey>(r);
  EXPECT_EQ(key.algorithm(), alg);
  Decoded d;
  d.header = {{"alg", std::string(jws_name(alg))}};
  d.signing_input = "header.claims";
  auto sig = key.sign(d.signing_input);
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), 64u);
  d.signature = *sig;
  EXPECT_TRUE(verify(public_only(original).get(), d));
  d.signing_input = "header.claimz";
  EXPECT_FALSE(verify(public_only(original).get(), d));
}

}  // namespace

TEST(SigningKey, CdpEcKeyInSec1PemSignsEs256) {
  auto k = generate("EC", "P-256");
  const std::string pem = sec1_pem(k.get());
  ASSERT_NE(pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  expect_signs_as(parse_cdp_secret(pem), k.get(), Algorithm::es256);
}

TEST(SigningKey, CdpEcKeyInPkcs8PemSignsEs256) {
  auto k = generate("EC", "P-256");
  expect_signs_as(parse_cdp_secret(pkcs8_pem(k.get())), k.get(), Algorithm::es256);
}

TEST(SigningKey, PemWithWrittenOutLineBreaksAsInOneLineEnvironmentVariables) {
  auto k = generate("EC", "P-256");
  std::string pem = sec1_pem(k.get()), one_line;
  for (char c : pem) one_line += c == '\n' ? std::string("\\n") : std::string(1, c);
  expect_signs_as(parse_cdp_secret(one_line), k.get(), Algorithm::es256);
}

TEST(SigningKey, CdpEd25519SecretOfSeedAndPublicKeySignsEdDsa) {
  auto k = generate("ED25519");
  expect_signs_as(parse_cdp_secret(cdp_ed25519_secret(k.get()) + "\n"), k.get(), Algorithm::eddsa);
  expect_signs_as(parse_cdp_secret(pkcs8_pem(k.get())), k.get(), Algorithm::eddsa);
}

TEST(SigningKey, CdpEd25519SecretWhosePublicHalfIsAnotherKeysIsRefused) {
  auto a = generate("ED25519"), b = generate("ED25519");
  auto sa = *x402gw::x402::base64_decode(cdp_ed25519_secret(a.get()));
  auto sb = *x402gw::x402::base64_decode(cdp_ed25519_secret(b.get()));
  const std::string mixed = x402gw::x402::base64_encode(sa.substr(0, 32) + sb.substr(32));
  const std::string why = error_of(parse_cdp_secret(mixed));
  EXPECT_NE(why.find("public half"), std::string::npos) << why;
  EXPECT_EQ(why.find(mixed), std::string::npos);
}

TEST(SigningKey, CdpSecretsThatAreNotKeysSayWhyWithoutQuotingThem) {
  auto k = generate("ED25519");
  const std::string seed_only = x402gw::x402::base64_encode(std::string(32, 'x'));
  EXPECT_NE(error_of(parse_cdp_secret(seed_only)).find("holds 32"), std::string::npos);
  EXPECT_NE(error_of(parse_cdp_secret("not a key!")).find("neither"), std::string::npos);
  EXPECT_NE(error_of(parse_cdp_secret("   ")).find("empty"), std::string::npos);
  const std::string broken = "-----BEGIN EC PRIVATE KEY-----\nTUlJQ0lpdXN0Z2FyYmFnZQ==\n-----END EC PRIVATE KEY-----\n";
  const std::string why = error_of(parse_cdp_secret(broken));
  EXPECT_NE(why.find("does not parse"), std::string::npos);
  EXPECT_EQ(why.find("TUlJ"), std::string::npos);
  // Wrong curve for ES256.
  auto p384 = generate("EC", "P-384");
  EXPECT_NE(error_of(parse_cdp_secret(sec1_pem(p384.get()))).find("P-256"), std::string::npos);
  // RSA is neither.
  auto rsa = generate("RSA", nullptr);
  EXPECT_FALSE(error_of(parse_cdp_secret(pkcs8_pem(rsa.get()))).empty());
}

TEST(SigningKey, EncryptedPemIsRefusedWithoutPrompting) {
  auto k = generate("EC", "P-256");
  const std::string pem = pkcs8_pem(k.get(), "hunter2");
  ASSERT_NE(pem.find("ENCRYPTED"), std::string::npos);
  EXPECT_NE(error_of(parse_cdp_secret(pem)).find("does not parse"), std::string::npos);
}

TEST(SigningKey, PayaiSecretIsBase64Pkcs8Ed25519WithOrWithoutItsPrefix) {
  auto k = generate("ED25519");
  const std::string b64 = pkcs8_der_base64(k.get());
  expect_signs_as(parse_payai_secret(b64), k.get(), Algorithm::eddsa);
  expect_signs_as(parse_payai_secret("payai_sk_" + b64 + "\n"), k.get(), Algorithm::eddsa);
  std::string url = b64;
  for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!url.empty() && url.back() == '=') url.pop_back();
  expect_signs_as(parse_payai_secret(url), k.get(), Algorithm::eddsa);
  expect_signs_as(parse_payai_secret(pkcs8_pem(k.get())), k.get(), Algorithm::eddsa);
}

TEST(SigningKey, PayaiSecretsThatAreNotEd25519AreRefused) {
  auto ec = generate("EC", "P-256");
  EXPECT_NE(error_of(parse_payai_secret(pkcs8_der_base64(ec.get()))).find("not an Ed25519"), std::string::npos);
  EXPECT_NE(error_of(parse_payai_secret("payai_sk_")).find("empty"), std::string::npos);
  EXPECT_NE(error_of(parse_payai_secret("%%%")).find("not base64"), std::string::npos);
  EXPECT_NE(error_of(parse_payai_secret("aGVsbG8gd29ybGQ=")).find("not a PKCS#8"), std::string::npos);
  // CDP's raw seed+public form is not PayAI's.
  auto ed = generate("ED25519");
  EXPECT_FALSE(error_of(parse_payai_secret(cdp_ed25519_secret(ed.get()))).empty());
}

TEST(SigningKey, Es256SignaturesAreRandomizedAndEachVerifies) {
  auto k = generate("EC", "P-256");
  auto r = parse_cdp_secret(sec1_pem(k.get()));
  const auto& key = std::get<SigningKey>(r);
  auto a = key.sign("m"), b = key.sign("m");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}
