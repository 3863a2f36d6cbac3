#include "x402/base64.hpp"

#include <gtest/gtest.h>

using namespace x402gw::x402;

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n < all.size(); n += 7) {
    auto decoded = base64_decode(base64_encode(all.substr(0, n)));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, all.substr(0, n));
  }
}

TEST(Base64, AcceptsUnpadded) {
  EXPECT_EQ(base64_decode("Zg").value(), "f");
  EXPECT_EQ(base64_decode("Zm8").value(), "fo");
}

TEST(Base64, RejectsMalformed) {
  EXPECT_FALSE(base64_decode("Zm9v!"));         // outside the alphabet
  EXPECT_FALSE(base64_decode("Z"));             // impossible length
  EXPECT_FALSE(base64_decode("Zg=a"));          // padding in the middle
  EXPECT_FALSE(base64_decode("Zm9v Zm9v"));     // whitespace
  EXPECT_FALSE(base64_decode("Zh=="));          // non-zero leftover bits
  EXPECT_FALSE(base64_decode("Zm9vYg==="));     // too much padding
  EXPECT_FALSE(base64_decode("-_8="));          // URL-safe alphabet is not the x402 alphabet
}
