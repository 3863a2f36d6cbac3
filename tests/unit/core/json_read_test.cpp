// read_json (Boost.JSON's lexer building nlohmann values) against nlohmann::json::parse itself: the
// payment digest and the facilitator body are written from the value read, so the two must agree
// on every input, down to each number's type. Checked on the fuzz corpora of the payment header
// and the facilitator answers, on edge cases, and on many deterministic mutations of the corpora.
#include "core/json_read.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_text.hpp"
#include "x402/base64.hpp"

namespace {

using nlohmann::json;
using x402gw::core::read_json;

// Same value and same type everywhere (nlohmann's == says 5u == 5 and 1.0 == 1).
bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
      if (ia.key() != ib.key() || !same(*ia, *ib)) return false;
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  if (a.is_number_float()) return x402gw::core::json_text(a) == x402gw::core::json_text(b);
  return a == b;
}

// Empty string: the two agree. Otherwise what differs.
std::string differ(const std::string& text) {
  const json expected = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto got = read_json(text);
  if (expected.is_discarded() != !got.has_value())
    return expected.is_discarded() ? "read_json accepted what nlohmann refuses" : "read_json refused what nlohmann accepts";
  if (got && !same(expected, *got)) return "values differ: " + x402gw::core::json_text(expected) + " vs " + x402gw::core::json_text(*got);
  if (got && x402gw::core::json_text(expected) != x402gw::core::json_text(*got)) return "canonical texts differ";
  return {};
}

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  const std::filesystem::path root = X402GW_FUZZ_CORPUS;
  for (const char* dir : {"payment_header", "facilitator_response"}) {
    for (const auto& entry : std::filesystem::directory_iterator(root / dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      std::string text = s.str();
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      out.push_back(text);
      if (auto decoded = x402gw::x402::base64_decode(text)) out.push_back(*decoded);
    }
  }
  return out;
}

TEST(JsonRead, AgreesWithNlohmannOnTheCorpora) {
  const auto texts = corpus();
  ASSERT_GE(texts.size(), 10u);
  size_t valid = 0;
  for (const auto& text : texts) {
    EXPECT_EQ(differ(text), "") << text;
    if (read_json(text)) ++valid;
  }
  EXPECT_GE(valid, 5u);  // the corpora hold real payments and answers, not only garbage
}

TEST(JsonRead, AgreesWithNlohmannOnEdgeCases) {
  const std::vector<std::string> cases = {
      "{}", "[]", "null", "true", "false", "0", "-0", "-0.0", "1.0", "1.5e3", "1E2", "1e-2", "123456789012345678901234567890",
      "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809", "1e400", "-1e400",
      "0.1", "2.5e-324", "1.7976931348623157e308", "01", "-", "1.", ".5", "+1", "\"a\\u00e9\\ud83d\\ude00\"", "\"\\ud83d\"",
      "\"\\ude00\"", "\"\\ud83dx\"", "\"\\u0000\"", "\"\xC3\xA9\"", "\"\xC3\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"",
      "\"\xC0\xAF\"", "\"\x01\"", "\"tab\there\"", "{\"a\":1,\"a\":2}", "{\"b\":1,\"a\":{\"c\":[1,2,{\"d\":null}]}}",
      "\xEF\xBB\xBF{\"a\":1}", " \t\r\n{\"a\" : [ 1 , 2 ] } \n", "{\"a\":1}x", "{\"a\":1} {}", "{\"a\":1,}", "[1,]",
      "// c\n{}", "{\"a\":1 /* c */}", "", " ", "{\"a\"}", "{'a':1}", "[1 2]", "\"\\x\"", "\"\\/\"", "NaN", "Infinity",
      // found by fuzz_payment_header: an exponent past Boost.JSON's range on a zero mantissa is 0.0 to strtod
      "0e1" + std::string(130, '3'), "[0e99999999999999999999]", "1e-99999999999999999999", "-0E+400000000000000000000",
      "{\"x402Version\":2,\"payload\":{\"authorization\":{\"value\":\"10000\",\"validAfter\":0}}}",
      std::string("\"a\0b\"", 5), std::string("{\"a\":1}\0", 8), std::string("{\"a\":1} \0x", 10), std::string("{\"a\":\0}", 8), std::string(200, '[') + std::string(200, ']'),
  };
  for (const auto& text : cases) EXPECT_EQ(differ(text), "") << text;
}

// Deeper than kMaxJsonDepth is refused: the one place read_json is stricter than nlohmann.
TEST(JsonRead, RefusesNestingDeeperThanTheLimit) {
  const size_t n = x402gw::core::kMaxJsonDepth;
  EXPECT_TRUE(read_json(std::string(n, '[') + std::string(n, ']')));
  EXPECT_FALSE(read_json(std::string(n + 1, '[') + std::string(n + 1, ']')));
}

// Byte flips, deletions, duplications and insertions of JSON punctuation, from a fixed seed.
TEST(JsonRead, AgreesWithNlohmannOnMutations) {
  const auto texts = corpus();
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::string punctuation = "{}[]:,\"\\-+.eE0123456789 tfnu\xC3\xA9\xED\xF0\x80";
  size_t checked = 0, failures = 0;
  for (int round = 0; round < 4000 && failures < 10; ++round) {
    std::string text = texts[next() % texts.size()];
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = next() % text.size();
      switch (next() % 4) {
        case 0: text[at] = static_cast<char>(next() & 0xFF); break;
        case 1: text.erase(at, 1 + next() % 4); break;
        case 2: text.insert(at, text.substr(at, 1 + next() % 8)); break;
        default: text.insert(at, 1, punctuation[next() % punctuation.size()]); break;
      }
    }
    const std::string d = differ(text);
    if (!d.empty()) ++failures;
    EXPECT_EQ(d, "") << text;
    ++checked;
  }
  EXPECT_GE(checked, 4000u);
}

}  // namespace
