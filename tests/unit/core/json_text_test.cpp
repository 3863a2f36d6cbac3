#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using x402gw::core::json_text;

namespace {

// nlohmann's own dump: json_text must be the same bytes (markers, digests and facilitator bodies
// written by earlier versions depend on them).
std::string reference(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// A random document of strings (plain, escaped, UTF-8, invalid UTF-8), numbers of every kind,
// booleans, nulls, nested objects and arrays.
struct Random {
  uint64_t seed;
  uint64_t next() { return (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; }
  std::string text() {
    static const std::vector<std::string> pieces = {"a", "Z", "0x", " ", "\"", "\\", "/", "\t", "\n", std::string(1, '\0'),
                                                    "\x1f", "\x7f", "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "\xff", "\xc3", "{}", "~"};
    std::string s;
    for (size_t n = next() % 8; n > 0; --n) s += pieces[next() % pieces.size()];
    return s;
  }
  nlohmann::json value(int depth) {
    switch (next() % (depth > 3 ? 7 : 9)) {
      case 0: return text();
      case 1: return static_cast<int64_t>(next()) - static_cast<int64_t>(next()) * 1000;
      case 2: return next() % 2 ? std::numeric_limits<uint64_t>::max() - next() : std::numeric_limits<int64_t>::min() + next();
      case 3: return static_cast<double>(next()) / 7.0 - 1e6;
      case 4: return next() % 2 == 0;
      case 5: return nullptr;
      case 6: return std::string(next() % 40, 'x');
      case 7: {
        nlohmann::json o = nlohmann::json::object();
        for (size_t n = next() % 5; n > 0; --n) o[text()] = value(depth + 1);
        return o;
      }
      default: {
        nlohmann::json a = nlohmann::json::array();
        for (size_t n = next() % 5; n > 0; --n) a.push_back(value(depth + 1));
        return a;
      }
    }
  }
};

}  // namespace

TEST(JsonText, WritesWhatNlohmannWritesForRandomDocuments) {
  Random random{7};
  for (int i = 0; i < 5000; ++i) {
    const nlohmann::json j = random.value(0);
    ASSERT_EQ(json_text(j), reference(j)) << i;
  }
}

TEST(JsonText, WritesWhatNlohmannWritesForEdgeCases) {
  const nlohmann::json cases[] = {
      nlohmann::json::object(), nlohmann::json::array(), nullptr, true, false, 0, -1, int64_t{std::numeric_limits<int64_t>::min()},
      uint64_t{std::numeric_limits<uint64_t>::max()}, 0.0, -0.0, 1e300, 0.1, std::nan(""), INFINITY, "", "plain",
      "\xff\xfe invalid", nlohmann::json::binary({1, 2, 3}), nlohmann::json::parse(R"({"b":[{},[]],"a":{"":"\u0000"}})"),
  };
  for (const auto& j : cases) EXPECT_EQ(json_text(j), reference(j)) << reference(j);
}

TEST(JsonText, AppendsToWhatIsThere) {
  std::string out = "x=";
  x402gw::core::append_json_text(out, nlohmann::json{{"k", 1}});
  EXPECT_EQ(out, R"(x={"k":1})");
}
