// libFuzzer target: what prices a request from its content (pricing/): a JSON body field, a query
// parameter, the pricer's answer and the cache key. Properties: nothing throws; a pricer answer
// that parses as a price is a canonical atomic amount greater than 0, with any max at least it; a
// rule's amount is one of its table's or its default.
//
// Input: byte 0 selects the decimals (0-18) of the pricer answer; the rest is used as a body, a
// query string and a pricer answer at once.
#include <cstdint>
#include <string>
#include <string_view>

#include "pricing/price_rule.hpp"
#include "pricing/pricer_messages.hpp"
#include "x402/money.hpp"

using namespace x402gw::pricing;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int decimals = data[0] % 19;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto answer = parse_pricer_answer(text, decimals);
  if (auto* a = std::get_if<PricerAnswer>(&answer); a && a->kind == PricerAnswer::Kind::price) {
    if (!x402gw::x402::is_atomic_amount(a->amount) || a->amount == "0") __builtin_trap();
    if (a->max && x402gw::x402::compare_atomic(*a->max, a->amount) < 0) __builtin_trap();
  }

  PriceRule rule;
  rule.name = "model";
  rule.table = {{"small", "1"}, {"4", "2"}};
  RequestFacts facts;
  facts.body = &text;
  facts.query = text;
  facts.match_key = text;
  facts.header = [&](std::string_view) { return std::vector<std::string_view>{text}; };
  for (Source source : {Source::body, Source::query, Source::header, Source::path}) {
    rule.source = source;
    auto priced = evaluate(rule, facts);
    if (auto* amount = std::get_if<std::string>(&priced); amount && *amount != "1" && *amount != "2") __builtin_trap();
  }
  std::string why;
  (void)body_value(text, "a.b", &why);
  (void)query_value(text, "q");
  (void)pricer_cache_key({"method", "path", "query:q", "header:X", "body:model"}, "GET", facts, text);
  return 0;
}
