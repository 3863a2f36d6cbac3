#include "config/listener.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw::config;

namespace {

LoadResult load(const std::string& listen) {
  const std::string yaml = listen + R"(
upstreams:
  api: { url: "http://127.0.0.1:3000" }
routes:
  - { match: "/*" }
)";
  return load_config_text(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

}  // namespace

TEST(Listener, PlainAddressesStayPlain) {
  auto r = load(R"(listen: ["127.0.0.1:8080", ":9090"])");
  ASSERT_TRUE(r.config) << r.report();
  ASSERT_EQ(r.config->listen.size(), 2u);
  EXPECT_FALSE(r.config->listen[0].tls);
  EXPECT_EQ(r.config->listen[1].address.port, 9090);
}

TEST(Listener, OneCertificateOrSeveral) {
  auto r = load(R"(listen:
  - address: ":8443"
    tls: { cert_file: /a.crt, key_file: /a.key, certificates: [{ cert_file: /b.crt, key_file: /b.key }], handshake_timeout: 2s }
  - { address: ":8080", redirect_https: true })");
  ASSERT_TRUE(r.config) << r.report();
  const auto& tls = *r.config->listen[0].tls;
  ASSERT_EQ(tls.certificates.size(), 2u);
  EXPECT_EQ(tls.certificates[0].cert_file, "/a.crt");
  EXPECT_EQ(tls.certificates[1].key_file, "/b.key");
  EXPECT_EQ(tls.handshake_timeout, std::chrono::seconds(2));
  EXPECT_EQ(tls.watch_interval, std::chrono::seconds(5));
  EXPECT_TRUE(r.config->listen[1].redirect_https);
}

TEST(Listener, AcmeSettings) {
  auto r = load(R"(listen:
  - address: ":443"
    tls:
      acme: { domains: [api.example.com, www.example.com], email: ops@example.com, directory: "https://ca.example/dir",
              state_dir: /var/lib/gw, challenge: tls-alpn-01, renew_fraction: 0.5 })");
  ASSERT_TRUE(r.config) << r.report();
  const auto& acme = *r.config->listen[0].tls->acme;
  EXPECT_EQ(acme.domains.size(), 2u);
  EXPECT_EQ(acme.challenge, AcmeChallenge::tls_alpn_01);
  EXPECT_DOUBLE_EQ(acme.renew_fraction, 0.5);
  EXPECT_TRUE(r.config->listen[0].tls->certificates.empty());
}

TEST(Listener, BadEntriesAreReportedWithTheirLine) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"listen:\n  - address: \":8443\"\n    tls: {}\n", "tls needs a certificate"},
      {"listen:\n  - address: \":8443\"\n    tls: { cert_file: /a.crt }\n", "'key_file' is required"},
      {"listen:\n  - { address: \":8080\", redirect_https: true }\n", "redirect_https needs a listener with tls"},
      {"listen:\n  - address: \":8443\"\n    redirect_https: true\n    tls: { cert_file: /a, key_file: /b }\n", "redirect_https is for a plain listener"},
      {"listen:\n  - { tls: { cert_file: /a, key_file: /b } }\n", "needs an address"},
      {"listen:\n  - address: \":443\"\n    tls: { acme: { domains: [\"*.example.com\"], directory: \"https://ca/dir\", state_dir: /s } }\n", "is not a DNS name"},
      {"listen:\n  - address: \":443\"\n    tls: { acme: { domains: [a.example], directory: \"http://ca/dir\", state_dir: /s } }\n", "must be an https URL"},
      {"listen:\n  - address: \":443\"\n    tls: { acme: { domains: [a.example], directory: \"https://ca/dir\" } }\n", "'state_dir' is required"},
      {"listen:\n  - address: \":443\"\n    tls: { acme: { domains: [a.example], directory: \"https://ca/dir\", state_dir: /s, challenge: dns-01 } }\n", "http-01"},
      {"listen:\n  - address: \":443\"\n    tls: { acme: { domains: [a.example], directory: \"https://ca/dir\", state_dir: /s, renew_fraction: 1.5 } }\n", "between 0 and 1"},
      {"listen:\n  - address: \":443\"\n    tls: { cert_file: /a, key_file: /b, ciphers: x }\n", "ciphers"},
  };
  for (const auto& c : cases) {
    auto r = load(c.yaml);
    EXPECT_FALSE(r.config) << c.yaml;
    EXPECT_NE(r.report().find(c.message), std::string::npos) << c.yaml << "\n" << r.report();
    EXPECT_NE(r.report().find("test.yaml:"), std::string::npos) << r.report();
  }
}
