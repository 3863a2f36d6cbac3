#include "config/admin.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "config/loader.hpp"

using namespace x402gw::config;

namespace {

LoadResult load(const std::string& head) {
  const std::string yaml = head + R"(
upstreams:
  api: { url: "http://127.0.0.1:3000" }
routes:
  - { match: "/*" }
)";
  return load_config_text(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

}  // namespace

TEST(Admin, LoopbackHosts) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host(""));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
}

TEST(Admin, NoTokenOnLoopbackIsQuiet) {
  auto r = load("admin_listen: \"127.0.0.1:9402\"\n");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_TRUE(r.config->admin.loopback_only);
  EXPECT_TRUE(r.config->admin.token.empty());
  EXPECT_TRUE(r.warnings.empty()) << r.report();
}

TEST(Admin, NoTokenOffLoopbackWarnsWithTheLine) {
  auto r = load("name: x\nadmin_listen: \"0.0.0.0:9402\"\n");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_FALSE(r.config->admin.loopback_only);
  ASSERT_EQ(r.warnings.size(), 1u) << r.report();
  EXPECT_EQ(r.warnings[0].line, 2);
  EXPECT_NE(r.warnings[0].message.find("admin.token"), std::string::npos);
}

TEST(Admin, TokenInline) {
  auto r = load("admin_listen: \":9402\"\nadmin: { token: \"0123456789abcdef0123\", protect_metrics: true }\n");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->admin.token, "0123456789abcdef0123");
  EXPECT_TRUE(r.config->admin.protect_metrics);
  EXPECT_TRUE(r.warnings.empty()) << r.report();
}

TEST(Admin, AnEmptyTokenIsNoToken) {
  auto r = load("admin_listen: \"0.0.0.0:9402\"\nadmin: { token: \"\" }\n");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_TRUE(r.config->admin.token.empty());
  EXPECT_EQ(r.warnings.size(), 1u) << r.report();
}

TEST(Admin, TokenFileIsReadAndTrimmed) {
  const std::string path = ::testing::TempDir() + "x402gw_admin_token";
  std::ofstream(path) << "fedcba9876543210fedcba\n";
  auto r = load("admin_listen: \":9402\"\nadmin:\n  token_file: " + path + "\n");
  std::remove(path.c_str());
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->admin.token, "fedcba9876543210fedcba");
}

TEST(Admin, MistakesNameTheirLine) {
  auto short_token = load("name: x\nadmin:\n  token: \"short\"\n");
  ASSERT_FALSE(short_token.config);
  EXPECT_EQ(short_token.errors[0].line, 3) << short_token.report();
  EXPECT_NE(short_token.errors[0].message.find("at least 16"), std::string::npos);

  auto missing = load("admin:\n  token_file: /nonexistent/x402gw/token\n");
  ASSERT_FALSE(missing.config);
  EXPECT_EQ(missing.errors[0].line, 2) << missing.report();

  auto both = load("admin:\n  token: \"0123456789abcdef0123\"\n  token_file: /x\n");
  ASSERT_FALSE(both.config);

  auto spaces = load("admin:\n  token: \"0123456789 abcdef0123\"\n");
  ASSERT_FALSE(spaces.config);

  auto metrics = load("admin:\n  protect_metrics: true\n");
  ASSERT_FALSE(metrics.config);
  EXPECT_NE(metrics.report().find("needs a non-empty admin.token"), std::string::npos);

  auto empty_metrics = load("admin:\n  token: \"\"\n  protect_metrics: true\n");
  ASSERT_FALSE(empty_metrics.config);

  auto unknown = load("admin:\n  tokn: x\n");
  ASSERT_FALSE(unknown.config);
}
