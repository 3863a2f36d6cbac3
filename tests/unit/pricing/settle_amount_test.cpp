#include "pricing/settle_amount.hpp"

#include <gtest/gtest.h>

using namespace x402gw::pricing;

namespace {
SettleInputs inputs(unsigned status = 200) {
  SettleInputs in;
  in.status = status;
  in.maximum = "100000";
  in.decimals = 6;
  return in;
}
}  // namespace

// One row per rule of decide_settle_amount, in the order the header states them.
TEST(SettleAmount, Table) {
  struct Row {
    const char* name;
    unsigned status;
    std::vector<std::string> headers, trailers;
    std::optional<std::string> meter;
    SettleKind kind;
    std::string amount;
    AmountSource source;
    bool clamped;
    std::string_view label;
  };
  const std::vector<Row> rows = {
      {"no override, no meter: the maximum", 200, {}, {}, std::nullopt, SettleKind::charge, "100000", AmountSource::maximum, false, "maximum"},
      {"header override", 200, {R"({"amount":"21300"})"}, {}, std::nullopt, SettleKind::charge, "21300", AmountSource::header, false, "header"},
      {"trailer override", 200, {}, {R"({"amount":"$0.05"})"}, std::nullopt, SettleKind::charge, "50000", AmountSource::trailer, false, "trailer"},
      {"override beats meter", 200, {R"({"amount":"10"})"}, {}, "999", SettleKind::charge, "10", AmountSource::header, false, "header"},
      {"meter", 201, {}, {}, "4242", SettleKind::charge, "4242", AmountSource::meter, false, "meter"},
      {"exactly the maximum", 200, {R"({"amount":"100%"})"}, {}, std::nullopt, SettleKind::charge, "100000", AmountSource::header, false, "header"},
      {"above the maximum: clamped", 200, {R"({"amount":"100001"})"}, {}, std::nullopt, SettleKind::charge, "100000", AmountSource::header, true, "clamped"},
      {"meter above the maximum: clamped", 200, {}, {}, "5000000", SettleKind::charge, "100000", AmountSource::meter, true, "clamped"},
      {"zero: nothing", 200, {R"({"amount":"0"})"}, {}, std::nullopt, SettleKind::nothing, "", AmountSource::header, false, "zero"},
      {"zero percent: nothing", 200, {R"({"amount":"0%"})"}, {}, std::nullopt, SettleKind::nothing, "", AmountSource::header, false, "zero"},
      {"rounds down to zero: nothing", 200, {R"({"amount":"$0.0000001"})"}, {}, std::nullopt, SettleKind::nothing, "", AmountSource::header, false, "zero"},
      {"meter zero: nothing", 200, {}, {}, "0", SettleKind::nothing, "", AmountSource::meter, false, "zero"},
      {">= 400: nothing", 400, {R"({"amount":"5"})"}, {}, std::nullopt, SettleKind::nothing, "", AmountSource::maximum, false, "upstream_error"},
      {"500 with a malformed override: nothing", 500, {"garbage"}, {}, std::nullopt, SettleKind::nothing, "", AmountSource::maximum, false, "upstream_error"},
      {"malformed header", 200, {"garbage"}, {}, std::nullopt, SettleKind::malformed, "", AmountSource::header, false, "malformed"},
      {"malformed trailer", 200, {}, {R"({"amount":"lots"})"}, std::nullopt, SettleKind::malformed, "", AmountSource::trailer, false, "malformed"},
      {"header and trailer", 200, {R"({"amount":"1"})"}, {R"({"amount":"2"})"}, std::nullopt, SettleKind::malformed, "", AmountSource::maximum, false, "malformed"},
      {"two headers", 200, {R"({"amount":"1"})", R"({"amount":"1"})"}, {}, std::nullopt, SettleKind::malformed, "", AmountSource::maximum, false, "malformed"},
      {"a meter reading that is no amount", 200, {}, {}, "1.5", SettleKind::malformed, "", AmountSource::meter, false, "malformed"},
  };
  for (const auto& row : rows) {
    SettleInputs in = inputs(row.status);
    in.headers = row.headers;
    in.trailers = row.trailers;
    in.meter = row.meter;
    const SettleDecision d = decide_settle_amount(in);
    EXPECT_EQ(d.kind, row.kind) << row.name;
    EXPECT_EQ(d.amount, row.amount) << row.name;
    EXPECT_EQ(d.source, row.source) << row.name;
    EXPECT_EQ(d.clamped, row.clamped) << row.name;
    EXPECT_EQ(decision_label(d, row.status), row.label) << row.name;
    if (d.kind == SettleKind::malformed) {
      EXPECT_FALSE(d.error.empty()) << row.name;
    }
    if (d.kind == SettleKind::charge) {
      EXPECT_NE(d.amount, "0") << row.name;
    }
  }
}

TEST(SettleAmount, ClampKeepsWhatWasAsked) {
  SettleInputs in = inputs();
  in.headers = {R"({"amount":"$7"})"};
  const SettleDecision d = decide_settle_amount(in);
  EXPECT_TRUE(d.clamped);
  EXPECT_EQ(d.amount, "100000");
  EXPECT_EQ(d.requested, "7000000");
}
