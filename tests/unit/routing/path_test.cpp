#include "routing/path.hpp"

#include <gtest/gtest.h>

using namespace x402gw::routing;

namespace {
Target ok(std::string_view raw) {
  auto r = normalise_target(raw);
  EXPECT_TRUE(std::holds_alternative<Target>(r)) << raw;
  return std::holds_alternative<Target>(r) ? std::get<Target>(r) : Target{};
}
TargetError err(std::string_view raw, size_t max = kMaxTargetBytes) {
  auto r = normalise_target(raw, max);
  EXPECT_TRUE(std::holds_alternative<TargetError>(r)) << raw;
  return std::holds_alternative<TargetError>(r) ? std::get<TargetError>(r) : TargetError::empty;
}
}  // namespace

TEST(Path, PlainPathIsUnchanged) {
  auto t = ok("/api/weather?city=Paris");
  EXPECT_EQ(t.path, "/api/weather");
  EXPECT_EQ(t.query, "?city=Paris");
  EXPECT_EQ(t.match_key, "/api/weather");
}

TEST(Path, EverySpellingOfAPricedPathHasTheSameMatchKey) {
  for (const char* spelling :
       {"/api/weather", "/API/Weather", "/api/weather/", "//api//weather", "/api/./weather", "/api/x/../weather",
        "/public/../api/weather", "/%61pi/weather", "/%2e/api/weather", "/api/%2E%2e/api/weather", "/api\\weather",
        "/api/weather;jsessionid=1", "/api;x=1/weather", "/api/weather#frag", "/api/weather?x=1",
        "http://evil.test/api/weather", "HTTP://evil.test//api/weather/"}) {
    EXPECT_EQ(ok(spelling).match_key, "/api/weather") << spelling;
  }
}

TEST(Path, ForwardedPathIsTheCanonicalPriced) {
  EXPECT_EQ(ok("/public/../api/weather").path, "/api/weather");
  EXPECT_EQ(ok("//api//weather").path, "/api/weather");
  EXPECT_EQ(ok("/%61pi/weather").path, "/api/weather");
  EXPECT_EQ(ok("/api/weather/").path, "/api/weather/");   // the trailing slash travels
  EXPECT_EQ(ok("/api/x/..").path, "/api/");
  EXPECT_EQ(ok("/").path, "/");
}

TEST(Path, ReencodesWhatNeedsIt) {
  EXPECT_EQ(ok("/caf%C3%A9").path, "/caf%C3%A9");
  EXPECT_EQ(ok("/a%20b").path, "/a%20b");
  EXPECT_EQ(ok("/a%252Fb").path, "/a%252Fb");          // double encoding stays one literal '%2F'
  EXPECT_EQ(ok("/a%252Fb").match_key, "/a%2fb");
  EXPECT_EQ(ok("/a;b=c").path, "/a;b=c");
}

TEST(Path, AbsoluteFormKeepsTheAuthority) {
  auto t = ok("http://example.test:8080/x?y=1");
  EXPECT_EQ(t.authority, "example.test:8080");
  EXPECT_EQ(t.path, "/x");
  EXPECT_EQ(t.query, "?y=1");
  EXPECT_EQ(ok("http://example.test").path, "/");
}

TEST(Path, RefusesAmbiguousOrHostileTargets) {
  EXPECT_EQ(err("/api%2Fweather"), TargetError::encoded_separator);
  EXPECT_EQ(err("/api%2fweather"), TargetError::encoded_separator);
  EXPECT_EQ(err("/api%5Cweather"), TargetError::encoded_separator);
  EXPECT_EQ(err("/api/%00"), TargetError::control_character);
  EXPECT_EQ(err(std::string_view("/api/\0x", 7)), TargetError::control_character);
  EXPECT_EQ(err("/api/%0d%0aX: y"), TargetError::control_character);
  EXPECT_EQ(err("/a b"), TargetError::control_character);
  EXPECT_EQ(err("/%zz"), TargetError::bad_percent_encoding);
  EXPECT_EQ(err("/%4"), TargetError::bad_percent_encoding);
  EXPECT_EQ(err("/.."), TargetError::escapes_root);
  EXPECT_EQ(err("/a/../../b"), TargetError::escapes_root);
  EXPECT_EQ(err("/public/..;/api/weather"), TargetError::ambiguous_dot_segment);
  EXPECT_EQ(err("/public/.;x/api"), TargetError::ambiguous_dot_segment);
  EXPECT_EQ(err("api/weather"), TargetError::not_origin_form);
  EXPECT_EQ(err("*"), TargetError::not_origin_form);
  EXPECT_EQ(err("http://user:pw@host/x"), TargetError::userinfo);
  EXPECT_EQ(err(""), TargetError::empty);
  EXPECT_EQ(err("/" + std::string(100, 'a'), 64), TargetError::too_long);
}

TEST(Path, TheLimitHoldsForTheCanonicalFormToo) {
  // Found by fuzz_request_target: raw non-ASCII bytes triple in length when re-encoded.
  std::string raw = "/" + std::string(30, '\xd7');
  EXPECT_EQ(std::get<Target>(normalise_target(raw, 100)).path.size(), 91u);
  EXPECT_EQ(err(raw, 90), TargetError::too_long);  // the raw form (31 bytes) fits, the canonical one does not
  EXPECT_EQ(err("/" + std::string(3000, '\xff')), TargetError::too_long);
}
