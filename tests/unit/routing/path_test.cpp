#include "routing/path.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <vector>

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
  EXPECT_EQ(ok("/100%25").path, "/100%25");            // a '%' that stays a '%' when decoded again
  EXPECT_EQ(ok("/a%25zz").path, "/a%25zz");
  EXPECT_EQ(ok("/a;b=c").path, "/a;b=c");
}

TEST(Path, AbsoluteFormKeepsTheAuthority) {
  auto t = ok("http://example.test:8080/x?y=1");
  EXPECT_EQ(t.authority, "example.test:8080");
  EXPECT_EQ(t.path, "/x");
  EXPECT_EQ(t.query, "?y=1");
  EXPECT_EQ(ok("http://example.test").path, "/");
}

TEST(Path, AbsoluteFormNeedsARealHost) {
  // The gateway routes on this authority instead of the Host header: one that is not a host
  // would match no host-restricted route, so it is refused rather than routed as "any host".
  for (const char* t : {"http://x..y/priced", "http://paid.example:99999/priced", "http://paid%2eexample/priced",
                        "http://[::1/priced", "http://a,b/priced", "http://paid.example:/priced", "http://:80/x"}) {
    EXPECT_EQ(err(t), TargetError::invalid_authority) << t;
  }
  EXPECT_EQ(ok("http://Paid.Example.:8080/priced").authority, "Paid.Example.:8080");  // made canonical by routing
  EXPECT_EQ(ok("http://[::1]:8080/x?y").authority, "[::1]:8080");
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
  // Found by fuzz_request_target: raw non-ASCII bytes triple in length when re-encoded. (Raw bytes
  // must now be UTF-8: 'é' is two of them.)
  std::string raw = "/";
  for (int i = 0; i < 15; ++i) raw += "\xc3\xa9";
  EXPECT_EQ(std::get<Target>(normalise_target(raw, 100)).path.size(), 91u);
  EXPECT_EQ(err(raw, 90), TargetError::too_long);  // the raw form (31 bytes) fits, the canonical one does not
  std::string long_raw = "/";
  for (int i = 0; i < 1500; ++i) long_raw += "\xc3\xa9";
  EXPECT_EQ(err(long_raw), TargetError::too_long);
}

// Each spelling below is one that a framework behind the gateway could read as another path: as
// "/priced" when the gateway's match key is not "/priced". Each is refused.

TEST(Path, RefusesEncodingsThatSurviveOneDecoding) {
  for (const char* t : {"/pr%2569ced", "/a%252Fb", "/%252F", "/%252f", "/a%255Cb", "/%252e%252e/priced",
                        "/a%25%34%31", "/a%25%32%46", "/%25u002f", "/%25U002F", "/x/%2541"}) {
    EXPECT_EQ(err(t), TargetError::double_encoding) << t;
  }
}

TEST(Path, RefusesInvalidUtf8IncludingOverlongSlashesAndDots) {
  for (const char* t : {"/%C0%AF", "/%C0%AE", "/%C0%AE%C0%AE/priced", "/%E0%80%AF", "/%F0%80%80%AF", "/%C1%9C",
                        "/a\xC0\xAF", "/\xC0\xAE", "/%80", "/a%C3", "/a%C3x", "/\xff", "/\xd7\xd7", "/%ED%A0%80",
                        "/%F4%90%80%80", "/%F8%88%80%80%80", "/%E2%88"}) {
    EXPECT_EQ(err(t), TargetError::invalid_utf8) << t;
  }
}

TEST(Path, RefusesCharactersThatNormaliseToAscii) {
  for (const char* t :
       {"/priced%EF%BC%8Fx",  // U+FF0F fullwidth solidus
        "/priced%E2%88%95x",  // U+2215 division slash
        "/priced%E2%81%84x",  // U+2044 fraction slash
        "/priced%E2%A7%B8x",  // U+29F8 big solidus
        "/priced%EF%BC%BCx",  // U+FF3C fullwidth reverse solidus
        "/priced%EF%BC%8Ex",  // U+FF0E fullwidth full stop
        "/a/%E2%80%A4%E2%80%A4/priced",  // U+2024 one dot leader
        "/a/%EF%B9%92%EF%B9%92/priced",  // U+FE52 small full stop
        "/%E2%80%A5/priced",  // U+2025 two dot leader: ".."
        "/%EF%BD%90riced",    // U+FF50 fullwidth 'p'
        "/pr%C4%B1ced",       // U+0131 dotless i: upper-cases to 'I'
        "/pr%C4%B0ced",       // U+0130 I with dot: lower-cases to 'i'
        "/%E2%84%AAey",       // U+212A Kelvin sign: 'K'
        "/%C5%BFecret",       // U+017F long s: 's'
        "/%F0%9D%90%A9riced", // U+1D429 mathematical bold 'p'
        "/a%C2%A0b",          // U+00A0 no-break space: ' '
        "/%C2%B2",            // U+00B2 superscript two: '2'
        "/a%C2%A5b",          // U+00A5 yen sign: '\' in Japanese code pages
        "/priced%EF%BC%9Fx",  // U+FF1F fullwidth '?'
        "/priced\xEF\xBC\x8Fx", "/pr\xC4\xB1" "ced"}) {  // raw, not encoded
    EXPECT_EQ(err(t), TargetError::lookalike_character) << t;
  }
}

TEST(Path, RefusesWhitespaceAtTheEdgesOfASegment) {
  for (const char* t : {"/priced%20", "/priced%20/", "/%20priced", "/a/%20/b", "/priced%C2%A0", "/%C2%A0priced",
                        "/priced%E3%80%80", "/priced%E2%80%8B", "/priced%EF%BB%BF", "/priced%E1%9A%80",
                        "/priced%E2%80%A8", "/priced%20;x", "/priced;x%20"}) {
    EXPECT_EQ(err(t), TargetError::whitespace_at_edge) << t;
  }
  // Tabs, vertical tabs, form feeds and NEL are controls: refused anywhere.
  for (const char* t : {"/priced%09/", "/priced%09", "/priced%0B", "/priced%0C", "/a%09b", "/priced%C2%85"}) {
    EXPECT_EQ(err(t), TargetError::control_character) << t;
  }
  // Inside a segment, a space is part of the name.
  EXPECT_EQ(ok("/a%20b").path, "/a%20b");
  EXPECT_EQ(ok("/a%20b/c").match_key, "/a b/c");
}

TEST(Path, RefusesADotAtTheEndOfASegment) {
  // Windows drops trailing dots from file names: "/report.pdf." is "/report.pdf" there.
  for (const char* t : {"/priced.", "/priced./x", "/priced%2E", "/priced.;x", "/priced;x.", "/priced...", "/a/.../b"}) {
    EXPECT_EQ(err(t), TargetError::trailing_dot) << t;
  }
  EXPECT_EQ(ok("/file.json").match_key, "/file.json");
  EXPECT_EQ(ok("/.well-known/x402").match_key, "/.well-known/x402");
  EXPECT_EQ(ok("/a/.hidden").match_key, "/a/.hidden");
}

TEST(Path, RefusesSegmentsThatAreOnlyParameters) {
  // Tomcat reads "/;x/priced" as "//priced", then "/priced"; the match key would be "//priced".
  for (const char* t : {"/;x/priced", "/priced/;x", "/a/;/b", "/;"}) {
    EXPECT_EQ(err(t), TargetError::parameters_only) << t;
  }
  EXPECT_EQ(ok("/priced;").match_key, "/priced");
  EXPECT_EQ(ok("/priced;x/").match_key, "/priced");
}

TEST(Path, RefusesEncodedQueryAndFragmentDelimiters) {
  // Decoded, "/priced%3Fx" is "/priced?x": Apache's rewriting (CVE-2024-38474) and naive routers
  // end the path there.
  for (const char* t : {"/priced%3Fx", "/priced%3f", "/priced%23", "/a%3F/b", "/priced%3F.json"}) {
    EXPECT_EQ(err(t), TargetError::encoded_delimiter) << t;
  }
}

TEST(Path, KeepsPlainUnicodeAndOtherHarmlessSpellings) {
  EXPECT_EQ(ok("/caf%C3%A9").match_key, "/caf\xc3\xa9");
  EXPECT_EQ(ok("/caf\xC3\xA9").path, "/caf%C3%A9");               // raw UTF-8 is re-encoded
  EXPECT_EQ(ok("/caf\xC3%A9").path, "/caf%C3%A9");                 // a character split over raw and %XX
  EXPECT_EQ(ok("/%E4%B8%AD%E6%96%87").path, "/%E4%B8%AD%E6%96%87");  // CJK
  EXPECT_EQ(ok("/%D0%BF%D1%80%D0%B8").path, "/%D0%BF%D1%80%D0%B8");  // Cyrillic
  EXPECT_EQ(ok("/%F0%9F%98%80").path, "/%F0%9F%98%80");              // emoji
  EXPECT_EQ(ok("/stra%C3%9Fe").path, "/stra%C3%9Fe");               // sharp s has no one-letter upper case
  EXPECT_EQ(ok("/a%3Bb").match_key, "/a");                          // an encoded ';' is a ';'
  EXPECT_EQ(ok("/a+b").path, "/a+b");
}

TEST(Path, RefusalsAreDescribed) {
  for (TargetError e : {TargetError::double_encoding, TargetError::invalid_utf8, TargetError::lookalike_character,
                        TargetError::encoded_delimiter, TargetError::whitespace_at_edge, TargetError::trailing_dot,
                        TargetError::parameters_only, TargetError::invalid_authority}) {
    EXPECT_NE(error_code(e), "invalid_target");
    EXPECT_NE(describe(e), "invalid request target");
  }
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// How a lenient server could read a forwarded path, every leniency at once: decode until nothing
// changes, end the path at '?' or '#', '\' as '/', ";params" dropped, whitespace trimmed and
// trailing dots dropped from each segment, empty and '.' segments dropped, '..' resolved, lower case.
std::string lenient_reading(std::string path) {
  for (bool changed = true; changed;) {
    std::string decoded;
    changed = false;
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] == '%' && i + 2 < path.size() && hex_digit(path[i + 1]) >= 0 && hex_digit(path[i + 2]) >= 0) {
        decoded += static_cast<char>(hex_digit(path[i + 1]) * 16 + hex_digit(path[i + 2]));
        i += 2;
        changed = true;
      } else {
        decoded += path[i];
      }
    }
    path = decoded;
  }
  path = path.substr(0, path.find_first_of("?#"));
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find_first_of("/\\", start);
    if (end == std::string::npos) end = path.size();
    std::string s = path.substr(start, end - start);
    s = s.substr(0, s.find(';'));
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == '.') && s != "." && s != "..")
      s.pop_back();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
    if (s == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!s.empty() && s != ".") {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      segments.push_back(s);
    }
    start = end + 1;
  }
  std::string out;
  for (const std::string& s : segments) out += "/" + s;
  return out.empty() ? "/" : out;
}
}  // namespace

// Random spellings built from the pieces path confusion is made of. Whatever the gateway accepts,
// (1) its canonical path is a fixed point, and (2) when a lenient server would read the forwarded
// path as "/priced", the gateway priced it as "/priced": no spelling gets there unpaid.
TEST(Path, NoAcceptedSpellingReadsAsAnotherPath) {
  const std::vector<std::string> pieces = {
      "priced", "pri", "ced", "p", "%70", "%50", "/", "//", "\\", ".", "..", "%2e", "%2E%2e", "%20", "%09", ";", ";x",
      "%3B", "%3F", "%23", "%25", "%2570", "%252F", "%2F", "x", "%C0%AF", "%C0%AE", "%EF%BC%8F", "\xc3\xa9", "?", "?a/b",
      "#", "..;", "%2e%2e%3b", "%C2%A0", "%E2%80%A4"};
  std::mt19937 rng(402);
  int accepted = 0, priced = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string target = "/";
    for (int n = 1 + static_cast<int>(rng() % 6); n > 0; --n) target += pieces[rng() % pieces.size()];
    auto r = normalise_target(target);
    auto* t = std::get_if<Target>(&r);
    if (!t) continue;
    ++accepted;
    auto again = normalise_target(t->path + t->query);
    ASSERT_TRUE(std::holds_alternative<Target>(again)) << target;
    EXPECT_EQ(std::get<Target>(again).path, t->path) << target;
    EXPECT_EQ(std::get<Target>(again).match_key, t->match_key) << target;
    if (lenient_reading(t->path) == "/priced") {
      ++priced;
      EXPECT_EQ(t->match_key, "/priced") << target << " forwarded as " << t->path;
    }
  }
  EXPECT_GT(accepted, 10000);
  EXPECT_GT(priced, 100);
}
