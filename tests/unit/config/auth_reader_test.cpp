#include "config/auth_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "../auth/test_keys.hpp"
#include "config/loader.hpp"

using namespace x402gw::config;
using namespace x402gw::auth::test;

namespace {

EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A configuration whose one facilitator has `auth_lines` (indented under it) and `extra` keys.
std::string config_with(const std::string& auth_lines, const std::string& extra = "") {
  return "upstreams: { api: \"http://127.0.0.1:3000\" }\n"
         "facilitators:\n"
         "  cdp:\n"
         "    url: \"https://api.cdp.coinbase.com/platform/v2/x402\"\n" +
         extra + auth_lines +
         "payment: { pay_to: \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", network: base-sepolia }\n"
         "routes:\n"
         "  - { match: \"GET /a\", price: \"$0.01\" }\n";
}

LoadResult load(const std::string& text, std::map<std::string, std::string> vars = {}) {
  return load_config_text(text, "gateway.yaml", env(std::move(vars)));
}

std::string temp_file(const std::string& name, const std::string& content) {
  auto dir = std::filesystem::temp_directory_path() / ("x402gw-auth-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

std::string errors_of(const LoadResult& r) { return r.report(); }

}  // namespace

TEST(AuthReader, CdpKeyFromTheEnvironmentIsParsedAtLoad) {
  auto k = generate("EC", "P-256");
  const std::string secret = sec1_pem(k.get());
  auto r = load(config_with("    auth: { type: cdp, key_id: \"${CDP_API_KEY_ID}\", key_secret: \"${CDP_API_KEY_SECRET}\" }\n"),
                {{"CDP_API_KEY_ID", "organizations/o/apiKeys/k"}, {"CDP_API_KEY_SECRET", secret}});
  ASSERT_TRUE(r.config) << r.report();
  const auto& auth = r.config->facilitators.at(0).auth;
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->type(), "cdp");
  auto headers = auth->headers({"POST", "api.cdp.coinbase.com", "/platform/v2/x402/verify"});
  ASSERT_TRUE(headers);
  auto d = decode(headers->at(0).second.substr(7));
  ASSERT_TRUE(d);
  EXPECT_TRUE(verify(public_only(k.get()).get(), *d));
  EXPECT_EQ(d->claims["sub"], "organizations/o/apiKeys/k");
}

TEST(AuthReader, SecretsFromFilesWithTheirTrailingLineBreak) {
  auto ed = generate("ED25519");
  const std::string cdp_file = temp_file("cdp", cdp_ed25519_secret(ed.get()) + "\n");
  auto r = load(config_with("    auth: { type: cdp, key_id: k, key_secret_file: \"" + cdp_file + "\" }\n"));
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->facilitators[0].auth->type(), "cdp");

  const std::string payai_file = temp_file("payai", "payai_sk_" + pkcs8_der_base64(ed.get()) + "\n");
  r = load(config_with("    auth: { type: payai, key_id: pk, key_secret_file: " + payai_file + " }\n"));
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->facilitators[0].auth->type(), "payai");

  const std::string token_file = temp_file("token", "s3cr3t-token\n");
  r = load(config_with("    auth: { type: bearer, token_file: " + token_file + " }\n"));
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->facilitators[0].auth->headers({"GET", "h", "/supported"})->at(0).second, "Bearer s3cr3t-token");
}

TEST(AuthReader, BearerAndNamedHeaderAndTheStaticHeadersStillWork) {
  auto r = load(config_with("    auth: { type: bearer, token: \"${RELAYER_TOKEN}\" }\n", "    headers: { X-Tenant: acme }\n"),
                {{"RELAYER_TOKEN", "abc"}});
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->facilitators[0].headers.at(0).first, "X-Tenant");
  EXPECT_EQ(r.config->facilitators[0].auth->headers({"GET", "h", "/"})->at(0), (std::pair<std::string, std::string>{"Authorization", "Bearer abc"}));
  r = load(config_with("    auth: { type: header, name: X-API-Key, value: \"${K}\" }\n"), {{"K", "key with spaces ok"}});
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->facilitators[0].auth->headers({"GET", "h", "/"})->at(0).first, "X-API-Key");
}

TEST(AuthReader, AKeyThatDoesNotParseIsAnErrorAtItsLineThatNeverQuotesIt) {
  const std::string secret = "-----BEGIN EC PRIVATE KEY-----\\nTOPSECRETbutbroken\\n-----END EC PRIVATE KEY-----";
  auto r = load(config_with("    auth:\n      type: cdp\n      key_id: k\n      key_secret: \"${S}\"\n"), {{"S", secret}});
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 1u) << r.report();
  EXPECT_EQ(r.errors[0].line, 8);
  EXPECT_EQ(r.errors[0].path, "facilitators.cdp.auth.key_secret");
  EXPECT_EQ(errors_of(r).find("TOPSECRET"), std::string::npos) << r.report();
}

TEST(AuthReader, ASecretFileThatCannotBeReadIsAnErrorAtItsLine) {
  auto r = load(config_with("    auth:\n      type: payai\n      key_id: k\n      key_secret_file: /nonexistent/secret\n"));
  ASSERT_EQ(r.errors.size(), 1u) << r.report();
  EXPECT_EQ(r.errors[0].line, 8);
  EXPECT_NE(r.errors[0].message.find("cannot read '/nonexistent/secret'"), std::string::npos);
  const std::string empty = temp_file("empty", "\n");
  r = load(config_with("    auth: { type: bearer, token_file: " + empty + " }\n"));
  EXPECT_NE(errors_of(r).find("is empty"), std::string::npos) << r.report();
}

TEST(AuthReader, MistakesAreEachReported) {
  auto k = generate("ED25519");
  const std::string ed = cdp_ed25519_secret(k.get());
  struct Case {
    std::string auth;
    std::string expected;
  } cases[] = {
      {"auth: { type: oauth }", "auth type is cdp, payai, bearer or header"},
      {"auth: { key_id: k }", "facilitators.cdp.auth.type"},
      {"auth: { type: cdp, key_id: k }", "set one of key_secret and key_secret_file"},
      {"auth: { type: cdp, key_id: k, key_secret: \"" + ed + "\", key_secret_file: /x }", "set only one of"},
      {"auth: { type: cdp, key_secret: \"" + ed + "\" }", "key_id"},
      {"auth: { type: cdp, key_id: \"a b\", key_secret: \"" + ed + "\" }", "printable ASCII without spaces"},
      {"auth: { type: cdp, key_id: k, key_secret: \"" + ed + "\", token: t }", "unknown key 'token'"},
      {"auth: { type: bearer, token: \"two words\" }", "without spaces or line breaks"},
      {"auth: { type: bearer, token: \"\" }", "is empty"},
      {"auth: { type: header, name: \"Bad Name\", value: v }", "not a header name"},
      {"auth: { type: payai, key_id: k, key_secret: \"" + ed + "\" }", "not a PKCS#8"},
      {"auth: [cdp]", "expected a mapping"},
  };
  for (const auto& c : cases) {
    auto r = load(config_with("    " + c.auth + "\n"));
    EXPECT_FALSE(r.config) << c.auth;
    EXPECT_NE(errors_of(r).find(c.expected), std::string::npos) << c.auth << "\n" << r.report();
    if (c.auth.find(ed) != std::string::npos) {
      EXPECT_EQ(errors_of(r).find(ed), std::string::npos) << r.report();
    }
  }
}

TEST(AuthReader, StaticHeadersMustNotSetWhatAuthSets) {
  auto r = load(config_with("    auth: { type: bearer, token: t }\n", "    headers: { authorization: \"Bearer x\" }\n"));
  EXPECT_NE(errors_of(r).find("headers.authorization is also set by auth"), std::string::npos) << r.report();
}

TEST(AuthReader, CredentialsOverPlainHttpToAnotherHostAreWarnedAbout) {
  std::string text = config_with("    auth: { type: bearer, token: t }\n");
  auto r = load(text);
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_TRUE(r.warnings.empty()) << r.report();  // https
  const std::string https = "https://api.cdp.coinbase.com/platform/v2/x402";
  text.replace(text.find(https), https.size(), "http://facilitator.example");
  r = load(text);
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_NE(r.report().find("clear text"), std::string::npos) << r.report();
  text.replace(text.find("http://facilitator.example"), 26, "http://127.0.0.1:4020");
  EXPECT_TRUE(load(text).warnings.empty());
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
}
