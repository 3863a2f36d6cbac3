#include "state/redis_reply.hpp"

#include <gtest/gtest.h>

using namespace x402gw::state;
using Type = RedisValue::Type;

TEST(RedisReply, BulkStringsKeepEveryByte) {
  auto v = parse_resp(std::string("$5\r\na\0b\r\n\r\n", 11));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type, Type::string);
  EXPECT_EQ(v->text, std::string("a\0b\r\n", 5));
}

TEST(RedisReply, NilIntegerStatusAndError) {
  EXPECT_TRUE(parse_resp("$-1\r\n")->is_nil());
  auto i = parse_resp(":1\r\n");
  EXPECT_EQ(i->type, Type::integer);
  EXPECT_EQ(i->integer, 1);
  EXPECT_EQ(parse_resp(":-42\r\n")->integer, -42);
  auto ok = parse_resp("+OK\r\n");
  EXPECT_EQ(ok->type, Type::status);
  EXPECT_EQ(ok->text, "OK");
  auto err = parse_resp("-NOSCRIPT No matching script. Please use EVAL.\r\n");
  ASSERT_TRUE(err->is_error());
  EXPECT_EQ(err->text.rfind("NOSCRIPT", 0), 0u);
}

TEST(RedisReply, ArraysNest) {
  auto v = parse_resp("*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+x\r\n");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->type, Type::array);
  ASSERT_EQ(v->elements.size(), 3u);
  EXPECT_EQ(v->elements[0].integer, 1);
  ASSERT_EQ(v->elements[1].elements.size(), 2u);
  EXPECT_EQ(v->elements[1].elements[0].text, "a");
  EXPECT_TRUE(v->elements[1].elements[1].is_nil());
  EXPECT_EQ(v->elements[2].text, "x");
}

TEST(RedisReply, IncompleteOrMalformedInputIsNoReply) {
  EXPECT_FALSE(parse_resp("$5\r\nab"));
  EXPECT_FALSE(parse_resp("*2\r\n:1\r\n"));
  EXPECT_FALSE(parse_resp("?what\r\n"));
  EXPECT_FALSE(parse_resp(""));
}

TEST(RedisReply, ANullReplyIsNil) { EXPECT_TRUE(from_hiredis(nullptr).is_nil()); }
