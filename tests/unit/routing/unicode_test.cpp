#include "routing/unicode.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace x402gw::routing;

namespace {
// The code points of `text`, or -1 where decoding stops.
std::vector<long> decode(std::string_view text) {
  std::vector<long> out;
  for (size_t pos = 0; pos < text.size();) {
    auto c = next_code_point(text, pos);
    if (!c) {
      out.push_back(-1);
      break;
    }
    out.push_back(static_cast<long>(*c));
  }
  return out;
}
}  // namespace

TEST(PathUnicode, DecodesStrictUtf8) {
  EXPECT_EQ(decode("a/"), (std::vector<long>{'a', '/'}));
  EXPECT_EQ(decode("\xc3\xa9"), (std::vector<long>{0xe9}));
  EXPECT_EQ(decode("\xe4\xb8\xad"), (std::vector<long>{0x4e2d}));
  EXPECT_EQ(decode("\xf0\x9f\x98\x80"), (std::vector<long>{0x1f600}));
  EXPECT_EQ(decode("\xf4\x8f\xbf\xbf"), (std::vector<long>{0x10ffff}));
  EXPECT_EQ(decode("\xef\xbf\xbf"), (std::vector<long>{0xffff}));  // a noncharacter is still UTF-8
}

TEST(PathUnicode, RefusesOverlongSurrogatesAndStrayBytes) {
  for (const char* bad : {"\xc0\xaf", "\xc0\xae", "\xc1\x9c", "\xc0\x80", "\xe0\x80\xaf", "\xe0\x9f\xbf",
                          "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80",
                          "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfc\x80\x80\x80\x80\xaf", "\x80", "\xbf",
                          "\xff", "\xfe", "\xc3", "\xe4\xb8", "\xc3(", "\xe4(\xad"}) {
    EXPECT_EQ(decode(bad).back(), -1) << bad;
  }
}

TEST(PathUnicode, KnowsTheAsciiLookalikes) {
  for (char32_t c : {0xff0fu, 0x2215u, 0x2044u, 0x29f8u, 0xff3cu, 0x2216u, 0xfe68u, 0xff0eu, 0x2024u, 0xfe52u,
                     0x2025u, 0x2026u, 0xff05u, 0x066au, 0xff1fu, 0xff03u, 0xff1bu, 0x037eu, 0xff41u, 0xff5au,
                     0xff21u, 0x212au, 0x017fu, 0x0131u, 0x0130u, 0x1d400u, 0x1d7ffu, 0x2460u, 0x00a0u, 0x3000u,
                     0x2000u, 0x00b2u, 0x00bdu, 0xfb01u, 0x2122u, 0x00a5u, 0x20a9u, 0x1f100u, 0x1ccd6u, 0x1ccf9u}) {
    EXPECT_TRUE(is_ascii_lookalike(c)) << std::hex << static_cast<unsigned>(c);
  }
  for (char32_t c : {0x2fu, 0x61u, 0x7fu, 0xe9u, 0xdfu, 0x03b1u, 0x043fu, 0x4e2du, 0x3002u, 0x1f600u, 0x0301u,
                     0x0085u, 0x1680u, 0xfeffu, 0x10ffffu, 0x1ccd5u, 0x1ccfau}) {
    EXPECT_FALSE(is_ascii_lookalike(c)) << std::hex << static_cast<unsigned>(c);
  }
}

TEST(PathUnicode, KnowsWhatTrimFunctionsTake) {
  for (char32_t c : {0x20u, 0x09u, 0x0bu, 0x0cu, 0x85u, 0xa0u, 0x1680u, 0x180eu, 0x2000u, 0x200au, 0x200bu,
                     0x2028u, 0x2029u, 0x202fu, 0x205fu, 0x3000u, 0xfeffu}) {
    EXPECT_TRUE(is_trimmable_space(c)) << std::hex << static_cast<unsigned>(c);
  }
  for (char32_t c : {0x21u, 0x2eu, 0x61u, 0xe9u, 0x200cu, 0x2060u, 0x3001u}) {
    EXPECT_FALSE(is_trimmable_space(c)) << std::hex << static_cast<unsigned>(c);
  }
}
