#include "http/admin_access.hpp"

#include <gtest/gtest.h>

using namespace x402gw;
using namespace x402gw::http;

namespace {

constexpr std::string_view kToken = "0123456789abcdef0123";

AdminRequestFacts plain(std::string_view host = "127.0.0.1:9402") { return AdminRequestFacts{host, {}, {}, {}, {}}; }

core::Error refusal(const std::optional<core::ErrorReply>& r) { return r ? r->error : core::Error::internal; }

}  // namespace

TEST(AdminAccess, BearerMatchesOnlyTheToken) {
  EXPECT_TRUE(bearer_matches("Bearer 0123456789abcdef0123", kToken));
  EXPECT_TRUE(bearer_matches("bearer   0123456789abcdef0123 ", kToken));
  EXPECT_FALSE(bearer_matches("Bearer 0123456789abcdef012", kToken));
  EXPECT_FALSE(bearer_matches("Bearer 0123456789abcdef01234", kToken));
  EXPECT_FALSE(bearer_matches("Basic 0123456789abcdef0123", kToken));
  EXPECT_FALSE(bearer_matches("0123456789abcdef0123", kToken));
  EXPECT_FALSE(bearer_matches(std::nullopt, kToken));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));  // no token configured never matches
}

TEST(AdminAccess, CrossSite) {
  auto r = plain();
  EXPECT_FALSE(cross_site(r));
  r.origin = "http://127.0.0.1:9402";
  EXPECT_FALSE(cross_site(r));
  r.origin = "https://evil.example";
  EXPECT_TRUE(cross_site(r));
  r.origin = "null";
  EXPECT_TRUE(cross_site(r));
  r = plain();
  r.sec_fetch_site = "cross-site";
  EXPECT_TRUE(cross_site(r));
  r.sec_fetch_site = "same-site";
  EXPECT_TRUE(cross_site(r));
  r.sec_fetch_site = "same-origin";
  EXPECT_FALSE(cross_site(r));
  r.sec_fetch_site = "none";
  EXPECT_FALSE(cross_site(r));
}

TEST(AdminAccess, LoopbackHostHeader) {
  EXPECT_TRUE(loopback_host_header("127.0.0.1:9402"));
  EXPECT_TRUE(loopback_host_header("localhost"));
  EXPECT_TRUE(loopback_host_header("LOCALHOST:1"));
  EXPECT_TRUE(loopback_host_header("[::1]:9402"));
  EXPECT_FALSE(loopback_host_header("rebound.evil.example:9402"));
  EXPECT_FALSE(loopback_host_header("10.0.0.5:9402"));
  EXPECT_FALSE(loopback_host_header("[::2]:9402"));
  EXPECT_FALSE(loopback_host_header(""));
}

TEST(AdminAccess, WithATokenControlNeedsIt) {
  const AdminPolicy policy{kToken, false, false};
  EXPECT_EQ(refusal(check_control(plain("gw.internal:9402"), policy)), core::Error::admin_unauthorized);
  auto wrong = plain("gw.internal:9402");
  wrong.authorization = "Bearer nope-nope-nope-nope";
  auto refused = check_control(wrong, policy);
  EXPECT_EQ(refusal(refused), core::Error::admin_unauthorized);
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->headers.size(), 1u);
  EXPECT_EQ(refused->headers[0].first, "WWW-Authenticate");
  auto right = plain("gw.internal:9402");
  right.authorization = "Bearer 0123456789abcdef0123";
  EXPECT_FALSE(check_control(right, policy));
  // Even with the token, a browser page of another site is refused.
  right.origin = "https://evil.example";
  EXPECT_EQ(refusal(check_control(right, policy)), core::Error::admin_cross_site);
}

TEST(AdminAccess, WithoutATokenOnlyLoopbackAndNothingABrowserCouldSend) {
  const AdminPolicy loopback{"", false, true};
  EXPECT_FALSE(check_control(plain(), loopback));
  EXPECT_EQ(refusal(check_control(plain(), AdminPolicy{"", false, false})), core::Error::admin_token_required);
  EXPECT_EQ(refusal(check_control(plain("rebound.evil.example:9402"), loopback)), core::Error::admin_cross_site);
  for (const char* type : {"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    auto form = plain();
    form.content_type = type;
    EXPECT_EQ(refusal(check_control(form, loopback)), core::Error::admin_cross_site) << type;
  }
  auto json = plain();
  json.content_type = "application/json";
  EXPECT_FALSE(check_control(json, loopback));
}

TEST(AdminAccess, MetricsOpenUnlessProtected) {
  EXPECT_FALSE(check_metrics(plain(), AdminPolicy{kToken, false, false}));
  EXPECT_EQ(refusal(check_metrics(plain(), AdminPolicy{kToken, true, false})), core::Error::admin_unauthorized);
  auto right = plain();
  right.authorization = "Bearer 0123456789abcdef0123";
  EXPECT_FALSE(check_metrics(right, AdminPolicy{kToken, true, false}));
}
