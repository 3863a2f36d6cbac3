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

// nginx takes each reply right away: a flood of unpaid requests puts and takes thousands of
// tokens within the ttl. What the store keeps track of must stay bounded by its count, not grow
// with the request rate times the ttl.
TEST(NginxReplies, TakenTokensDoNotAccumulate) {
  http::NginxReplies replies(16, 30s);
  const auto t0 = http::NginxReplies::Clock::now();
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(replies.take(replies.put(core::ErrorReply{}, t0), t0));
  EXPECT_EQ(replies.size(), 0u);
  EXPECT_LE(replies.tracked(), 32u);
  // Still a working store: kept replies survive the compaction, the oldest still goes first.
  std::vector<std::string> kept;
  for (int i = 0; i < 16; ++i) kept.push_back(replies.put(core::ErrorReply{}, t0));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(replies.take(replies.put(core::ErrorReply{}, t0), t0));
  EXPECT_LE(replies.tracked(), 32u);
  EXPECT_FALSE(replies.take(kept.front(), t0));
}
