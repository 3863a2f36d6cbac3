// The `paywall:` keys: global defaults, a route's overrides, an operator's template checked at load.
#include "config/paywall_reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config/loader.hpp"
#include "config/paywall_template.hpp"

using namespace x402gw::config;

namespace {

LoadResult load(const std::string& global, const std::string& route_extra = "") {
  const std::string yaml = "name: Weather Co\n" + global + R"(
upstreams:
  api: { url: "http://127.0.0.1:3000" }
facilitators:
  f: { url: "http://127.0.0.1:4000" }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia }
routes:
  - { match: "GET /a", price: "$0.01" )" + route_extra + R"( }
  - { match: "GET /b", price: "$0.01" }
)";
  return load_config_text(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/x402gw_paywall_XXXXXX";
    const int fd = mkstemp(name);
    close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST(PaywallReader, OnByDefaultWithTheBuiltInPage) {
  auto r = load("");
  ASSERT_TRUE(r.config) << r.report();
  const Paywall& p = r.config->routes[0].paywall;
  EXPECT_TRUE(p.enabled);
  EXPECT_TRUE(p.testnet_banner);
  EXPECT_TRUE(p.app_name.empty());
  EXPECT_FALSE(p.template_text);
}

TEST(PaywallReader, RoutesStartFromTheGlobalAndOverrideIt) {
  auto r = load("paywall: { app_name: \"Weather\", app_logo: /logo.png, testnet_banner: false }\n",
                ", paywall: { app_name: \"Route A\", enabled: false }");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->paywall.app_name, "Weather");
  const Paywall& a = r.config->routes[0].paywall;
  EXPECT_FALSE(a.enabled);
  EXPECT_EQ(a.app_name, "Route A");
  EXPECT_EQ(a.app_logo, "/logo.png");
  EXPECT_FALSE(a.testnet_banner);
  const Paywall& b = r.config->routes[1].paywall;
  EXPECT_TRUE(b.enabled);
  EXPECT_EQ(b.app_name, "Weather");
}

TEST(PaywallReader, FalseTurnsItOff) {
  auto r = load("paywall: false\n");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_FALSE(r.config->routes[1].paywall.enabled);
  auto bad = load("paywall: maybe\n");
  ASSERT_FALSE(bad.config);
  EXPECT_EQ(bad.errors[0].line, 2) << bad.report();
}

TEST(PaywallReader, TemplateFileIsReadAtLoad) {
  TempFile page("<html><body><h1>{{app_name}}</h1>{{offers}}{{style}}{{script}}</body></html>");
  auto r = load("paywall:\n  template_file: " + page.path + "\n");
  ASSERT_TRUE(r.config) << r.report();
  ASSERT_TRUE(r.config->routes[0].paywall.template_text);
  EXPECT_EQ(*r.config->routes[0].paywall.template_text, "<html><body><h1>{{app_name}}</h1>{{offers}}{{style}}{{script}}</body></html>");
}

TEST(PaywallReader, TemplateMistakesNameTheirLine) {
  auto missing = load("paywall:\n  template_file: /nonexistent/x402gw/page.html\n");
  ASSERT_FALSE(missing.config);
  EXPECT_EQ(missing.errors[0].line, 3) << missing.report();
  EXPECT_NE(missing.errors[0].message.find("cannot read"), std::string::npos);

  TempFile unknown("<p>{{price}}</p>{{script}}");
  auto u = load("paywall:\n  template_file: " + unknown.path + "\n");
  ASSERT_FALSE(u.config);
  EXPECT_EQ(u.errors[0].line, 3) << u.report();
  EXPECT_NE(u.errors[0].message.find("unknown placeholder {{price}}"), std::string::npos) << u.report();

  TempFile no_script("<p>{{offers}}</p>");
  auto n = load("", ", paywall: { template_file: " + no_script.path + " }");
  ASSERT_FALSE(n.config);
  EXPECT_EQ(n.errors[0].line, 9) << n.report();
  EXPECT_NE(n.errors[0].message.find("{{script}} exactly once"), std::string::npos) << n.report();
}

TEST(PaywallReader, TemplatesAreSmall) {
  TempFile big("{{script}}" + std::string(300 * 1024, 'x'));
  auto r = load("paywall:\n  template_file: " + big.path + "\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.errors[0].message.find("larger than 256KiB"), std::string::npos) << r.report();
  auto device = load("paywall:\n  template_file: /dev/zero\n");
  ASSERT_FALSE(device.config) << "read up to the limit, not forever";
  auto directory = load("paywall:\n  template_file: /tmp\n");
  ASSERT_FALSE(directory.config);
  EXPECT_EQ(directory.errors[0].line, 3) << directory.report();
}

TEST(PaywallReader, LogoMustLoadUnderTheCsp) {
  auto r = load("paywall: { app_logo: \"https://cdn.example/logo.png\" }\n");
  ASSERT_FALSE(r.config);
  EXPECT_EQ(r.errors[0].line, 2) << r.report();
  EXPECT_TRUE(load("paywall: { app_logo: \"data:image/png;base64,AAAA\" }\n").config);
  EXPECT_FALSE(load("paywall: { app_logo: \"//cdn.example/logo.png\" }\n").config);
}

TEST(PaywallReader, AFreeRouteHasNoPaywall) {
  auto r = load("", " }\n  - { match: \"GET /free\", paywall: { app_name: x }");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.errors[0].message.find("no effect on a free route"), std::string::npos) << r.report();
}

TEST(PaywallReader, UnknownKeysAreReported) {
  auto r = load("paywall: { app_nme: x }\n");
  ASSERT_FALSE(r.config);
  EXPECT_EQ(r.errors[0].line, 2) << r.report();
}

TEST(PaywallTemplate, Checks) {
  EXPECT_EQ(check_paywall_template("{{script}}"), "");
  EXPECT_EQ(check_paywall_template("a {{script}} b {{"), "") << "a {{ never closed is text";
  EXPECT_NE(check_paywall_template("{{script}}{{script}}"), "");
  EXPECT_NE(check_paywall_template("{{style}}{{style}}{{script}}"), "");
  EXPECT_NE(check_paywall_template("{{Script}}"), "");
}
