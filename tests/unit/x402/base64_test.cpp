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

namespace {

// The decoder as first written, a bit at a time: the reference the block decoder must agree with.
std::optional<std::string> reference_decode(std::string_view text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t padding = 0;
  while (!text.empty() && text.back() == '=' && padding < 2) text.remove_suffix(1), ++padding;
  if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const size_t v = alphabet.find(c);
    if (c == '\0' || v == std::string::npos) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) bits -= 8, out += static_cast<char>((acc >> bits) & 0xFF);
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

TEST(Base64, DecodesLikeTheBitwiseReference) {
  // Random texts over the alphabet, padding and a few strangers, of every length up to 40.
  const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/==== -_\x80";
  uint64_t seed = 42;
  auto next = [&] { return seed = seed * 6364136223846793005ULL + 1442695040888963407ULL, seed >> 33; };
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t n = next() % 41;
    const bool clean = round % 2 == 0;  // half of them over the alphabet only, so most decode
    for (size_t i = 0; i < n; ++i) text += chars[next() % (clean ? 64 : chars.size())];
    if (clean && round % 4 == 0) text += std::string(next() % 3, '=');
    EXPECT_EQ(base64_decode(text), reference_decode(text)) << text;
  }
}
