// When a request counts as a browser's navigation: Accept q-values, read as RFC 9110 says.
#include "http/paywall_accept.hpp"

#include <gtest/gtest.h>

using x402gw::http::prefers_html;

TEST(PaywallAccept, BrowsersNavigating) {
  // Chromium, Firefox and Safari navigations.
  EXPECT_TRUE(prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
                           "application/signed-exchange;v=b3;q=0.7"));
  EXPECT_TRUE(prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
  EXPECT_TRUE(prefers_html("text/html"));
  EXPECT_TRUE(prefers_html("application/xhtml+xml"));
  EXPECT_TRUE(prefers_html("TEXT/HTML ; q=0.9 , application/json;q=0.5"));
  EXPECT_TRUE(prefers_html("text/html, */*"));
  EXPECT_TRUE(prefers_html("text/html;level=1;q=1.0"));
}

TEST(PaywallAccept, ProgramsAndAgents) {
  EXPECT_FALSE(prefers_html(""));
  EXPECT_FALSE(prefers_html("*/*")) << "every fetch's default";
  EXPECT_FALSE(prefers_html("text/*"));
  EXPECT_FALSE(prefers_html("application/json"));
  EXPECT_FALSE(prefers_html("application/json, text/plain, */*"));
  EXPECT_FALSE(prefers_html("application/json, text/html")) << "a tie with JSON named outright: JSON";
  EXPECT_FALSE(prefers_html("text/html;q=0.5, application/json"));
  EXPECT_FALSE(prefers_html("text/html;q=0, */*"));
  EXPECT_FALSE(prefers_html("text/html;q=0.000"));
}

TEST(PaywallAccept, QValues) {
  EXPECT_TRUE(prefers_html("application/json;q=0.4, text/html;q=0.5"));
  EXPECT_TRUE(prefers_html("text/html;q=0.001"));
  EXPECT_TRUE(prefers_html("text/html, */*;q=1")) << "a tie with a wildcard: the named type wins";
  // JSON reached only through */* at the same weight: the page.
  EXPECT_TRUE(prefers_html("text/html;q=0.8, */*;q=0.8"));
  // The most specific range decides: text/html;q=0 beats text/*.
  EXPECT_FALSE(prefers_html("text/*, text/html;q=0"));
  // A malformed weight makes its range say nothing.
  EXPECT_FALSE(prefers_html("text/html;q=2"));
  EXPECT_FALSE(prefers_html("text/html;q=abc"));
  EXPECT_FALSE(prefers_html("text/html;q=0.5555"));
  EXPECT_TRUE(prefers_html("text/html;q=abc, application/xhtml+xml"));
}

TEST(PaywallAccept, Junk) {
  EXPECT_FALSE(prefers_html(",,,;;;"));
  EXPECT_FALSE(prefers_html("html"));
  EXPECT_FALSE(prefers_html(std::string(10000, ',')));
  std::string many;
  for (int i = 0; i < 100; ++i) many += "image/png,";
  EXPECT_FALSE(prefers_html(many + "text/html")) << "ranges after the 64th are not read";
}
