#include "http/nginx_replies.hpp"

#include <gtest/gtest.h>

using namespace x402gw;
using namespace std::chrono_literals;

TEST(NginxReplies, TakenOnceUnderAnUnguessableToken) {
  http::NginxReplies replies;
  const std::string a = replies.put(core::ChallengeReply{"{}", "abc", "payment_required", {}});
  const std::string b = replies.put(core::ChallengeReply{"{}", "def", "payment_required", {}});
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  auto got = replies.take(a);
  ASSERT_TRUE(got);
  EXPECT_EQ(std::get<core::ChallengeReply>(*got).header_value, "abc");
  EXPECT_FALSE(replies.take(a));
  EXPECT_FALSE(replies.take("0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(replies.take(b));
}

TEST(NginxReplies, BoundedInCountAndAge) {
  http::NginxReplies replies(2, 30s);
  const auto t0 = http::NginxReplies::Clock::now();
  const std::string first = replies.put(core::ErrorReply{}, t0);
  replies.put(core::ErrorReply{}, t0);
  const std::string third = replies.put(core::ErrorReply{}, t0);
  EXPECT_EQ(replies.size(), 2u);
  EXPECT_FALSE(replies.take(first, t0));  // the oldest made room
  EXPECT_FALSE(replies.take(third, t0 + 31s));  // too old
}
