#include "pricing/price_rule.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace x402gw::pricing;

namespace {

PriceRule rule(Source source, std::string name, std::optional<std::string> fallback = std::nullopt) {
  PriceRule r;
  r.source = source;
  r.name = std::move(name);
  r.table = {{"small", "10000"}, {"large", "50000"}, {"4", "40000"}};
  r.fallback = std::move(fallback);
  return r;
}

std::string amount(const std::variant<std::string, PriceRefusal>& v) {
  if (auto* a = std::get_if<std::string>(&v)) return *a;
  return "refused: " + std::get<PriceRefusal>(v).message;
}

PriceRefusal::Kind refusal(const std::variant<std::string, PriceRefusal>& v) {
  EXPECT_TRUE(std::holds_alternative<PriceRefusal>(v));
  return std::holds_alternative<PriceRefusal>(v) ? std::get<PriceRefusal>(v).kind : PriceRefusal::Kind::unpriceable;
}

RequestFacts body_facts(const std::string& body) {
  RequestFacts f;
  f.body = &body;
  return f;
}

}  // namespace

TEST(PriceRule, ABodyFieldPicksItsPrice) {
  const PriceRule r = rule(Source::body, "model");
  std::string small = R"({"model":"small","prompt":"x"})", large = R"({"prompt":"x","model":"large"})";
  EXPECT_EQ(amount(evaluate(r, body_facts(small))), "10000");
  EXPECT_EQ(amount(evaluate(r, body_facts(large))), "50000");
  std::string number = R"({"model":4})";
  EXPECT_EQ(amount(evaluate(r, body_facts(number))), "40000");
}

// The upstream reads 4.0, 4e0 and 40e-1 as the number 4: priced as the table's "4", never as an
// unlisted value that falls to a (cheaper) default.
TEST(PriceRule, ANumberIsPricedByItsValueNotItsSpelling) {
  const PriceRule r = rule(Source::body, "model", "20000");
  for (std::string body : {R"({"model":4})", R"({"model":4.0})", R"({"model":4e0})", R"({"model":40e-1})", R"({"model":4.000})",
                           R"({"model":0.4e1})", R"({"model":4E+0})"}) {
    EXPECT_EQ(amount(evaluate(r, body_facts(body))), "40000") << body;
  }
  std::string fraction = R"({"model":4.5})", zero = R"({"model":-0.0})";
  EXPECT_EQ(body_value(fraction, "model", nullptr).value_or("?"), "4.5");
  EXPECT_EQ(body_value(zero, "model", nullptr).value_or("?"), "0");
}

TEST(PriceRule, ADottedFieldReadsNestedObjects) {
  const PriceRule r = rule(Source::body, "options.size");
  std::string body = R"({"options":{"size":"large"}})";
  EXPECT_EQ(amount(evaluate(r, body_facts(body))), "50000");
}

TEST(PriceRule, AnUnlistedValueTakesTheDefaultOrIsRefused) {
  std::string body = R"({"model":"huge"})";
  EXPECT_EQ(amount(evaluate(rule(Source::body, "model", "20000"), body_facts(body))), "20000");
  EXPECT_EQ(refusal(evaluate(rule(Source::body, "model"), body_facts(body))), PriceRefusal::Kind::not_in_table);
}

TEST(PriceRule, ABodyThatCannotBePricedIsRefusedEvenWithADefault) {
  const PriceRule r = rule(Source::body, "model", "20000");
  for (std::string body : {"", "not json", "[\"small\"]", R"({"prompt":"x"})", R"({"model":null})", R"({"model":true})",
                           R"({"model":{"name":"small"}})", R"({"model":["small"]})",
                           // Parsers differ on which of two equal keys wins: refused, not guessed.
                           R"({"model":"small","model":"large"})"}) {
    EXPECT_EQ(refusal(evaluate(r, body_facts(body))), PriceRefusal::Kind::unpriceable) << body;
  }
  RequestFacts none;  // no body read
  EXPECT_EQ(refusal(evaluate(r, none)), PriceRefusal::Kind::unpriceable);
}

TEST(PriceRule, AQueryParameterIsDecodedAndMustBeGivenOnce) {
  const PriceRule r = rule(Source::query, "tier", "1");
  RequestFacts f;
  f.query = "?a=1&tier=l%61rge";
  EXPECT_EQ(amount(evaluate(r, f)), "50000");
  f.query = "?tier=small&tier=large";
  EXPECT_EQ(refusal(evaluate(r, f)), PriceRefusal::Kind::unpriceable);
  f.query = "?tiers=large";
  EXPECT_EQ(refusal(evaluate(r, f)), PriceRefusal::Kind::unpriceable);
  f.query = "";
  EXPECT_EQ(refusal(evaluate(r, f)), PriceRefusal::Kind::unpriceable);
}

TEST(PriceRule, QueryValuesAreFormDecoded) {
  EXPECT_EQ(query_value("?q=a+b%20c", "q"), "a b c");
  EXPECT_EQ(query_value("?q", "q"), "");
  EXPECT_EQ(query_value("?x%3D=1", "x="), "1");
  EXPECT_EQ(query_value("?q=%zz", "q"), "%zz");
  EXPECT_FALSE(query_value("?qq=1", "q"));
}

TEST(PriceRule, AHeaderMustBeGivenOnce) {
  const PriceRule r = rule(Source::header, "X-Size");
  std::map<std::string, std::vector<std::string_view>> headers;
  RequestFacts f;
  f.header = [&](std::string_view name) { return headers[std::string(name)]; };
  headers["X-Size"] = {"small"};
  EXPECT_EQ(amount(evaluate(r, f)), "10000");
  headers["X-Size"] = {"small", "large"};
  EXPECT_EQ(refusal(evaluate(r, f)), PriceRefusal::Kind::unpriceable);
  headers["X-Size"] = {};
  EXPECT_EQ(refusal(evaluate(r, f)), PriceRefusal::Kind::unpriceable);
}

TEST(PriceRule, APathParameterIsReadFromItsSegment) {
  PriceRule r = rule(Source::path, "size");
  r.path_segment = 2;
  RequestFacts f;
  f.match_key = "/v1/images/large";
  EXPECT_EQ(amount(evaluate(r, f)), "50000");
  f.match_key = "/v1/images/large/more";
  EXPECT_EQ(amount(evaluate(r, f)), "50000");
  f.match_key = "/v1/images/medium";
  EXPECT_EQ(refusal(evaluate(r, f)), PriceRefusal::Kind::not_in_table);
  f.match_key = "/v1";
  EXPECT_EQ(refusal(evaluate(r, f)), PriceRefusal::Kind::unpriceable);
}

TEST(PriceRule, PathSegments) {
  EXPECT_EQ(path_segment("/a/b/c", 0), "a");
  EXPECT_EQ(path_segment("/a/b/c", 2), "c");
  EXPECT_FALSE(path_segment("/a/b/c", 3));
  EXPECT_EQ(path_segment("/", 0), "");
}
