#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include "auth/base64url.hpp"
#include "test_keys.hpp"

using namespace x402gw::auth;
using namespace x402gw::auth::test;

namespace {

SigningKey key_of(const KeyResult& r) { return std::get<SigningKey>(r); }

const CallTarget kVerify{"POST", "api.cdp.coinbase.com", "/platform/v2/x402/verify"};

}  // namespace

TEST(Base64Url, EncodesWithoutPaddingInTheUrlAlphabet) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff\xbf", 3)), "-_-_");
  EXPECT_EQ(*base64url_decode("-_-_"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(*base64url_decode("Zm8"), "fo");
  EXPECT_FALSE(base64url_decode("+/+/"));
  EXPECT_FALSE(base64url_decode("Z"));
}

TEST(CdpToken, Es256HeaderAndClaimsAreTheReferenceSetAndTheSignatureVerifies) {
  auto k = generate("EC", "P-256");
  const auto key = key_of(parse_cdp_secret(sec1_pem(k.get())));
  auto token = cdp_token(key, "organizations/o/apiKeys/k", kVerify, 1700000000, "00112233445566778899aabbccddeeff");
  ASSERT_TRUE(token);
  auto d = decode(*token);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->header_text,
            R"({"alg":"ES256","kid":"organizations/o/apiKeys/k","typ":"JWT","nonce":"00112233445566778899aabbccddeeff"})");
  EXPECT_EQ(d->claims_text,
            R"({"sub":"organizations/o/apiKeys/k","iss":"cdp","uris":["POST api.cdp.coinbase.com/platform/v2/x402/verify"],)"
            R"("iat":1700000000,"nbf":1700000000,"exp":1700000120})");
  EXPECT_TRUE(verify(public_only(k.get()).get(), *d));
  // Another key's public half does not verify it.
  auto other = generate("EC", "P-256");
  EXPECT_FALSE(verify(public_only(other.get()).get(), *d));
}

TEST(CdpToken, EdDsaTokenVerifiesAndIsDeterministicForTheSameInputs) {
  auto k = generate("ED25519");
  const auto key = key_of(parse_cdp_secret(cdp_ed25519_secret(k.get())));
  const CallTarget supported{"GET", "127.0.0.1:4020", "/supported"};
  auto a = cdp_token(key, "kid-1", supported, 42, "ab");
  auto b = cdp_token(key, "kid-1", supported, 42, "ab");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);  // Ed25519 signatures are deterministic
  auto d = decode(*a);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->header["alg"], "EdDSA");
  EXPECT_EQ(d->header["kid"], "kid-1");
  EXPECT_EQ(d->claims["uris"], nlohmann::ordered_json::array({"GET 127.0.0.1:4020/supported"}));
  EXPECT_EQ(d->claims["exp"].get<int64_t>() - d->claims["nbf"].get<int64_t>(), kTokenLifetimeSeconds);
  EXPECT_TRUE(verify(public_only(k.get()).get(), *d));
  // One changed claim, same signature: refused.
  Decoded forged = *d;
  forged.signing_input = forged.signing_input.substr(0, forged.signing_input.find('.') + 1) +
                         base64url_encode(R"({"sub":"kid-1","iss":"cdp","uris":["GET 127.0.0.1:4020/settle"],"iat":42,"nbf":42,"exp":162})");
  EXPECT_FALSE(verify(public_only(k.get()).get(), forged));
}

TEST(CdpToken, EachCallBindsItsOwnMethodHostAndPath) {
  auto k = generate("ED25519");
  const auto key = key_of(parse_cdp_secret(cdp_ed25519_secret(k.get())));
  auto settle = decode(*cdp_token(key, "k", {"POST", "h:8443", "/base/settle"}, 1, "n"));
  auto supported = decode(*cdp_token(key, "k", {"GET", "h:8443", "/base/supported"}, 1, "n"));
  EXPECT_EQ(settle->claims["uris"][0], "POST h:8443/base/settle");
  EXPECT_EQ(supported->claims["uris"][0], "GET h:8443/base/supported");
}

TEST(PayaiToken, HeaderAndClaimsAreTheReferenceSetAndTheSignatureVerifies) {
  auto k = generate("ED25519");
  const auto key = key_of(parse_payai_secret(pkcs8_der_base64(k.get())));
  auto token = payai_token(key, "pk_123", 1700000000, "1b4e28ba-2fa1-4d2e-883f-0016d3cca427");
  ASSERT_TRUE(token);
  auto d = decode(*token);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->header_text, R"({"alg":"EdDSA","typ":"JWT","kid":"pk_123"})");
  EXPECT_EQ(d->claims_text,
            R"({"sub":"pk_123","iss":"payai-merchant","iat":1700000000,"exp":1700000120,"jti":"1b4e28ba-2fa1-4d2e-883f-0016d3cca427"})");
  EXPECT_TRUE(verify(public_only(k.get()).get(), *d));
}

TEST(Jwt, KeyIdsAreJsonEscapedNotSpliced) {
  auto k = generate("ED25519");
  const auto key = key_of(parse_cdp_secret(cdp_ed25519_secret(k.get())));
  auto d = decode(*cdp_token(key, "a\"b", kVerify, 1, "n"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->header["kid"], "a\"b");
  EXPECT_EQ(d->claims["sub"], "a\"b");
}
