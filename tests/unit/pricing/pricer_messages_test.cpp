#include "pricing/pricer_messages.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace x402gw::pricing;

namespace {

PricerAnswer answer(std::string_view body) {
  auto parsed = parse_pricer_answer(body, 6);
  EXPECT_TRUE(std::holds_alternative<PricerAnswer>(parsed)) << body << ": " << (std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "");
  return std::holds_alternative<PricerAnswer>(parsed) ? std::get<PricerAnswer>(parsed) : PricerAnswer{};
}

bool garbage(std::string_view body) { return std::holds_alternative<std::string>(parse_pricer_answer(body, 6)); }

}  // namespace

TEST(PricerMessages, APriceInDollarsOrAtomicUnits) {
  EXPECT_EQ(answer(R"({"price":"$0.01"})").amount, "10000");
  EXPECT_EQ(answer(R"({"price":"12300"})").amount, "12300");
  const PricerAnswer with_max = answer(R"({"price":"$0.01","max":"$0.10"})");
  EXPECT_EQ(with_max.kind, PricerAnswer::Kind::price);
  EXPECT_EQ(with_max.max, "100000");
}

TEST(PricerMessages, FreeAndRefuse) {
  EXPECT_EQ(answer(R"({"free":true})").kind, PricerAnswer::Kind::free);
  const PricerAnswer refused = answer(R"({"refuse":true,"reason":"model retired"})");
  EXPECT_EQ(refused.kind, PricerAnswer::Kind::refuse);
  EXPECT_EQ(refused.reason, "model retired");
  EXPECT_EQ(answer(R"({"refuse":true,"reason":")" + std::string(500, 'x') + "\"}").reason.size(), 200u);
}

TEST(PricerMessages, GarbageIsNeverAPrice) {
  for (std::string_view body : {"", "null", "[]", "not json", R"({})", R"({"price":0.01})", R"({"price":"$0"})", R"({"price":"0"})",
                                R"({"price":"-5"})", R"({"price":"007"})", R"({"price":"$0.0000001"})", R"({"price":"1.5"})",
                                R"({"free":"yes"})", R"({"free":false})", R"({"free":true,"price":"$0.01"})", R"({"refuse":true,"free":true})",
                                R"({"price":"$0.10","max":"$0.01"})", R"({"price":"$0.01","max":5})"})
    EXPECT_TRUE(garbage(body)) << body;
}

TEST(PricerMessages, TheRequestBodyCarriesWhatWasChosen) {
  PricerQuestion q{"POST", "/quote/a?x=1", {{"X-Plan", "gold"}}, {{"model", "large"}}, sha256_hex("abc")};
  const auto doc = nlohmann::json::parse(pricer_request_body(q));
  EXPECT_EQ(doc["method"], "POST");
  EXPECT_EQ(doc["path"], "/quote/a?x=1");
  EXPECT_EQ(doc["headers"]["X-Plan"], "gold");
  EXPECT_EQ(doc["fields"]["model"], "large");
  EXPECT_EQ(doc["body_sha256"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  q.body_sha256.reset();
  EXPECT_FALSE(nlohmann::json::parse(pricer_request_body(q)).contains("body_sha256"));
}

TEST(PricerMessages, TheCacheKeyIsTheOperatorsParts) {
  const std::string body = R"({"model":"large","n":1})";
  RequestFacts f;
  f.query = "?size=l&junk=1";
  f.body = &body;
  f.header = [](std::string_view name) { return name == "X-Plan" ? std::vector<std::string_view>{"gold"} : std::vector<std::string_view>{}; };
  const std::vector<std::string> parts{"method", "path", "query:size", "header:X-Plan", "body:model"};
  const std::string key = pricer_cache_key(parts, "POST", f, "/q/a");
  // Other query parameters and body fields are not part of it.
  f.query = "?junk=2&size=l";
  const std::string other = R"({"n":2,"model":"large"})";
  f.body = &other;
  EXPECT_EQ(pricer_cache_key(parts, "POST", f, "/q/a"), key);
  EXPECT_NE(pricer_cache_key(parts, "GET", f, "/q/a"), key);
  EXPECT_NE(pricer_cache_key(parts, "POST", f, "/q/b"), key);
  f.query = "?size=s";
  EXPECT_NE(pricer_cache_key(parts, "POST", f, "/q/a"), key);
  // Lengths keep values apart: no value can pose as two parts.
  RequestFacts g;
  g.query = "?a=x1:y&b=";
  RequestFacts h;
  h.query = "?a=x&b=1:y";
  EXPECT_NE(pricer_cache_key({"query:a", "query:b"}, "GET", g, "/"), pricer_cache_key({"query:a", "query:b"}, "GET", h, "/"));
  // An absent value is not an empty one.
  RequestFacts absent, empty;
  empty.query = "?a=";
  EXPECT_NE(pricer_cache_key({"query:a"}, "GET", absent, "/"), pricer_cache_key({"query:a"}, "GET", empty, "/"));
}

// The pricer is sent the whole query, and servers differ on which of two equal parameters wins:
// a repeated parameter's key holds every value, so ?size=s&size=l never shares ?size=s&size=s's answer.
TEST(PricerMessages, ARepeatedQueryParameterIsNotKeyedByItsFirstValue) {
  RequestFacts once, cheap_last, dear_last;
  once.query = "?size=s";
  cheap_last.query = "?size=s&size=s";
  dear_last.query = "?size=s&size=l";
  const std::vector<std::string> parts{"query:size"};
  EXPECT_NE(pricer_cache_key(parts, "GET", cheap_last, "/"), pricer_cache_key(parts, "GET", dear_last, "/"));
  EXPECT_NE(pricer_cache_key(parts, "GET", once, "/"), pricer_cache_key(parts, "GET", dear_last, "/"));
  // Only the named parameter counts: another one's values do not split the key.
  RequestFacts a, b;
  a.query = "?size=s&size=l&junk=1";
  b.query = "?junk=2&size=s&size=l";
  EXPECT_EQ(pricer_cache_key(parts, "GET", a, "/"), pricer_cache_key(parts, "GET", b, "/"));
}

TEST(PricerMessages, AnUptoRouteQuotesTheMaximum) {
  const PricerAnswer with_max = answer(R"({"price":"$0.01","max":"$0.10"})");
  EXPECT_EQ(quoted_amount(with_max, "upto"), "100000");
  EXPECT_EQ(quoted_amount(with_max, "exact"), "10000");  // an exact route charges the price
  EXPECT_EQ(quoted_amount(answer(R"({"price":"$0.01"})"), "upto"), "10000");
}
