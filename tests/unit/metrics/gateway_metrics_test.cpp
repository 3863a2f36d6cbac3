// The outcome-to-metric mapping: what one finished exchange adds to each family.
#include "metrics/gateway_metrics.hpp"

#include <gtest/gtest.h>

using namespace x402gw;
using core::PaymentOutcome;
using metrics::GatewayMetrics;

namespace {
core::ExchangeRecord paid(PaymentOutcome outcome) {
  core::ExchangeRecord r;
  r.method = "GET";
  r.route = "weather";
  r.priced = true;
  r.status = 200;
  r.payment = outcome;
  r.network = "eip155:84532";
  r.asset = "USDC";
  r.amount = "10000";
  return r;
}
bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }
}  // namespace

TEST(GatewayMetrics, OutcomeLabels) {
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::none), "");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::challenged), "");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::rejected), "rejected");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::verify_error), "");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::not_settled), "");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::settled), "settled");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::settle_failed), "settle_failed");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::settle_error), "settle_failed");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::outcome_unknown), "");
  EXPECT_EQ(GatewayMetrics::outcome_label(PaymentOutcome::served_again), "served_again");
}

TEST(GatewayMetrics, AServedAgainPaymentEarnsNothing) {
  GatewayMetrics m;
  m.record_exchange(paid(PaymentOutcome::served_again));
  const std::string text = m.expose({});
  EXPECT_NE(text.find(R"(outcome="served_again"} 1)"), std::string::npos) << text;
  EXPECT_EQ(text.find("x402gw_revenue_atomic_units_total{"), std::string::npos) << text;
}

TEST(GatewayMetrics, UnknownSettlementsAndReconciliations) {
  GatewayMetrics m;
  m.settlement_reconciled("settled");
  m.settlement_reconciled("settled");
  m.settlement_reconciled("abandoned");
  const std::string text = m.expose({0, 0, "", {}, 4});
  EXPECT_TRUE(has(text, "x402gw_unknown_settlements 4"));
  EXPECT_TRUE(has(text, R"(x402gw_settlements_reconciled_total{result="settled"} 2)"));
  EXPECT_TRUE(has(text, R"(x402gw_settlements_reconciled_total{result="abandoned"} 1)"));
}

TEST(GatewayMetrics, ASettledPaymentCountsRevenue) {
  GatewayMetrics m;
  auto r = paid(PaymentOutcome::settled);
  r.verified = true;
  m.record_exchange(r);
  const std::string text = m.expose({});
  EXPECT_TRUE(has(text, R"(x402gw_requests_total{route="weather",method="GET",status="200"} 1)")) << text;
  EXPECT_TRUE(has(text, R"(x402gw_payments_total{route="weather",network="eip155:84532",asset="USDC",outcome="verified"} 1)"));
  EXPECT_TRUE(has(text, R"(x402gw_payments_total{route="weather",network="eip155:84532",asset="USDC",outcome="settled"} 1)"));
  EXPECT_TRUE(has(text, R"(x402gw_revenue_atomic_units_total{route="weather",network="eip155:84532",asset="USDC"} 10000)"));
}

TEST(GatewayMetrics, ARejectionCountsItsBoundedReason) {
  GatewayMetrics m;
  auto r = paid(PaymentOutcome::rejected);
  r.status = 402;
  r.error = "Invalid Signature!";  // not a safe label value
  m.record_exchange(r);
  const std::string text = m.expose({});
  EXPECT_TRUE(has(text, R"(x402gw_payment_rejections_total{route="weather",reason="other"} 1)")) << text;
  EXPECT_EQ(text.find("revenue_atomic_units_total{"), std::string::npos);
}

TEST(GatewayMetrics, AChallengeIsNotAPayment) {
  GatewayMetrics m;
  auto r = paid(PaymentOutcome::challenged);
  r.challenged = true;
  r.status = 402;
  m.record_exchange(r);
  const std::string text = m.expose({});
  EXPECT_TRUE(has(text, R"(x402gw_challenges_total{route="weather"} 1)")) << text;
  EXPECT_EQ(text.find("x402gw_payments_total{"), std::string::npos);
}

TEST(GatewayMetrics, PaywallPagesAreChallengesToo) {
  GatewayMetrics m;
  auto r = paid(PaymentOutcome::challenged);
  r.challenged = true;
  r.status = 402;
  m.record_exchange(r);
  r.paywall = true;
  m.record_exchange(r);
  const std::string text = m.expose({});
  EXPECT_TRUE(has(text, R"(x402gw_challenges_total{route="weather"} 2)")) << text;
  EXPECT_TRUE(has(text, R"(x402gw_paywall_pages_total{route="weather"} 1)")) << text;
}

TEST(GatewayMetrics, LimitBreachesFromErrorCodes) {
  GatewayMetrics m;
  core::ExchangeRecord r;
  r.method = "POST";
  r.status = 413;
  r.error = "body_too_large";
  m.record_exchange(r);
  EXPECT_TRUE(has(m.expose({}), R"(x402gw_limit_breaches_total{limit="request_body"} 1)"));
  EXPECT_EQ(GatewayMetrics::method_label("get"), "other");
  EXPECT_EQ(GatewayMetrics::method_label("PATCH"), "PATCH");
}

TEST(GatewayMetrics, GaugesAndConfigInfo) {
  GatewayMetrics m;
  std::string text = m.expose({3, 7, "abc", {}});
  EXPECT_TRUE(has(text, "x402gw_in_flight_requests 3"));
  EXPECT_TRUE(has(text, "x402gw_open_connections 7"));
  EXPECT_TRUE(has(text, R"(x402gw_config_info{hash="abc"} 1)"));
  text = m.expose({0, 0, "def", {}});
  EXPECT_TRUE(has(text, R"(x402gw_config_info{hash="abc"} 0)"));
  EXPECT_TRUE(has(text, R"(x402gw_config_info{hash="def"} 1)"));
}

TEST(GatewayMetrics, FacilitatorBreakersAndFailover) {
  GatewayMetrics m;
  m.breaker_transition("cdp", "open");
  m.breaker_transition("cdp", "open");
  m.facilitator_failover("cdp", "verify");
  m.facilitator_skipped("cdp", "settle");
  GatewayMetrics::Gauges g;
  g.breakers = {{"cdp", 1}, {"payai", 0}};
  const std::string text = m.expose(g);
  EXPECT_TRUE(has(text, R"(x402gw_facilitator_breaker_state{facilitator="cdp"} 1)"));
  EXPECT_TRUE(has(text, R"(x402gw_facilitator_breaker_state{facilitator="payai"} 0)"));
  EXPECT_TRUE(has(text, R"(x402gw_facilitator_breaker_transitions_total{facilitator="cdp",to="open"} 2)"));
  EXPECT_TRUE(has(text, R"(x402gw_facilitator_failovers_total{facilitator="cdp",endpoint="verify"} 1)"));
  EXPECT_TRUE(has(text, R"(x402gw_facilitator_skipped_total{facilitator="cdp",endpoint="settle"} 1)"));
  EXPECT_TRUE(has(text, "# TYPE x402gw_facilitator_breaker_state gauge"));
}
