#include "pricing/settlement_override.hpp"

#include <gtest/gtest.h>

using namespace x402gw::pricing;

namespace {
// The maximum of the tests: $0.10 of a 6-decimal token.
constexpr const char* kMax = "100000";

std::string amount(std::string_view text, std::string_view max = kMax, int decimals = 6) {
  auto r = parse_override_amount(text, max, decimals);
  if (auto* e = std::get_if<OverrideError>(&r)) {
    ADD_FAILURE() << text << ": " << e->message;
    return "";
  }
  return std::get<std::string>(r);
}

bool refused(std::string_view text, std::string_view max = kMax, int decimals = 6) {
  return std::holds_alternative<OverrideError>(parse_override_amount(text, max, decimals));
}

std::string whole(std::string_view json) {
  auto r = parse_settlement_override(json, kMax, 6);
  if (auto* e = std::get_if<OverrideError>(&r)) return "error: " + e->message;
  return std::get<std::string>(r);
}
}  // namespace

TEST(SettlementOverride, AtomicUnits) {
  EXPECT_EQ(amount("21300"), "21300");
  EXPECT_EQ(amount("0"), "0");
  EXPECT_EQ(amount("000"), "0");
  EXPECT_EQ(amount("0021300"), "21300");
  EXPECT_EQ(amount("999999999999"), "999999999999");  // above the maximum: the caller clamps
  EXPECT_EQ(amount(std::string(78, '9')), std::string(78, '9'));
  EXPECT_TRUE(refused(std::string(79, '9')));
}

TEST(SettlementOverride, DollarsInTheAssetsDecimals) {
  EXPECT_EQ(amount("$0.0213"), "21300");
  EXPECT_EQ(amount("$1"), "1000000");
  EXPECT_EQ(amount("$0"), "0");
  EXPECT_EQ(amount("$0.000001"), "1");
  EXPECT_EQ(amount("$0.0213", kMax, 7), "213000");
  EXPECT_EQ(amount("$2", kMax, 0), "2");
}

TEST(SettlementOverride, DollarsBelowOneUnitAreRoundedDown) {
  EXPECT_EQ(amount("$0.0000019"), "1");
  EXPECT_EQ(amount("$0.0000009"), "0");
  EXPECT_EQ(amount("$0.02139999"), "21399");
}

TEST(SettlementOverride, PercentOfTheMaximum) {
  EXPECT_EQ(amount("50%"), "50000");
  EXPECT_EQ(amount("100%"), "100000");
  EXPECT_EQ(amount("0%"), "0");
  EXPECT_EQ(amount("12.5%"), "12500");
  EXPECT_EQ(amount("33.33%"), "33330");
  EXPECT_EQ(amount("33.33%", "7"), "2");     // 2.3331: rounded down
  EXPECT_EQ(amount("150%"), "150000");      // above the maximum: the caller clamps
  // A uint256-sized maximum never goes through floating point.
  const std::string big = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  EXPECT_EQ(amount("50%", big), "57896044618658097711785492504343953926634992332820282019728792003956564819967");
}

TEST(SettlementOverride, MalformedAmounts) {
  for (const char* bad : {"", "-5", "1.5", "21,300", "0x10", "$", "$-1", "$1.2.3", "$ 1", "%", "50.%", "50.123%", "1e3",
                          "abc", " 100", "100 ", "$1e2", "-50%", "50 %", "1234567%"})
    EXPECT_TRUE(refused(bad)) << bad;
}

TEST(SettlementOverride, JsonEnvelope) {
  EXPECT_EQ(whole(R"({"amount":"21300"})"), "21300");
  EXPECT_EQ(whole(R"({"amount":"$0.0213","note":"ignored"})"), "21300");
  EXPECT_EQ(whole(R"({"amount":"50%"})"), "50000");
  EXPECT_EQ(whole(R"({"amount":21300})"), "21300");
  EXPECT_EQ(whole(R"({"amount":0})"), "0");
  for (const char* bad : {R"({"amount":-1})", R"({"amount":1.5})", R"({"amount":null})", R"({"amount":["1"]})", R"({})",
                          R"(["21300"])", R"("21300")", "21300", "{", "", R"({"amount":"x"})"})
    EXPECT_EQ(whole(bad).rfind("error: ", 0), 0u) << bad;
}

// Two "amount" members name two charges: JSON leaves duplicates undefined (RFC 8259 §4) and parsers
// disagree on which one counts. An upstream that builds the object from text it was given (a
// client's value spliced into `{"amount":"..."}`) would otherwise let `5","amount":"0` name the
// charge. A guess is not charged, as with two Settlement-Overrides fields.
TEST(SettlementOverride, DuplicateAmountMembersAreRefused) {
  EXPECT_EQ(whole(R"({"amount":"5","amount":"0"})").rfind("error: ", 0), 0u);
  EXPECT_EQ(whole(R"({"amount":"0","amount":"5"})").rfind("error: ", 0), 0u);
  EXPECT_EQ(whole(R"({"amount":5,"note":1,"amount":"5"})").rfind("error: ", 0), 0u);
  // An escaped key is the same member name once decoded.
  EXPECT_EQ(whole(R"({"amount":"5","\u0061mount":"0"})").rfind("error: ", 0), 0u);
  // "amount" inside another member is not the charge, and does not count twice.
  EXPECT_EQ(whole(R"({"detail":{"amount":"7"},"amount":"21300"})"), "21300");
  EXPECT_EQ(whole(R"({"items":[{"amount":"1"},{"amount":"2"}],"amount":"3"})"), "3");
  // Other duplicated members stay ignored.
  EXPECT_EQ(whole(R"({"note":1,"note":2,"amount":"4"})"), "4");
}
