// The meter seam of the paid flow: a route's meter read from a held answer, for the requirement
// the buyer paid with; an answer that does not say is charged the maximum and counted.
#include "payment/settle_meter.hpp"

#include <gtest/gtest.h>

using namespace x402gw;
using namespace std::chrono_literals;

namespace {

// A route that accepts an exact price and an upto maximum of 100000, metered per 1,000 tokens.
config::Route metered_route() {
  config::Route route;
  route.name = "llm";
  x402::Requirement exact, upto;
  exact.amount = "10000";
  upto.scheme = "upto";
  upto.amount = "100000";
  route.requirements = {exact, upto};
  route.meter.kind = config::MeterSpec::Kind::json;
  route.meter.path = "usage.total_tokens";
  route.meter.per = 1000;
  route.meter.unit_price = {"", "2000"};
  return route;
}

upstream::HeldResponse answer(std::string body, std::string content_type = "application/json") {
  upstream::HeldResponse r{bhttp::status::ok, 11};
  r.set(bhttp::field::content_type, content_type);
  r.body() = std::move(body);
  return r;
}

}  // namespace

TEST(SettleMeter, ReadsTheMeterForTheUptoRequirement) {
  const config::Route route = metered_route();
  EXPECT_EQ(payment::read_meter(route, 1, "100000", answer(R"({"usage":{"total_tokens":1500}})"), false, 0us), "3000");
  const std::string sse = "data: {\"usage\":null}\n\ndata: {\"usage\":{\"total_tokens\":250}}\n\ndata: [DONE]\n\n";
  EXPECT_EQ(payment::read_meter(route, 1, "100000", answer(sse, "text/event-stream"), false, 0us), "500");
}

TEST(SettleMeter, NoMeterForAnExactRequirementOrARouteWithout) {
  const config::Route route = metered_route();
  EXPECT_EQ(payment::read_meter(route, 0, "100000", answer(R"({"usage":{"total_tokens":1500}})"), false, 0us), std::nullopt);
  EXPECT_EQ(payment::read_meter(route, 7, "100000", answer("{}"), false, 0us), std::nullopt);
  config::Route plain = route;
  plain.meter = {};
  EXPECT_EQ(payment::read_meter(plain, 1, "100000", answer(R"({"usage":{"total_tokens":1500}})"), false, 0us), std::nullopt);
}

TEST(SettleMeter, AnAnswerThatDoesNotSayIsChargedTheMaximumAndCounted) {
  const config::Route route = metered_route();
  metrics::GatewayMetrics m;
  EXPECT_EQ(payment::read_meter(route, 1, "100000", answer(R"({"choices":[]})"), false, 0us, &m), "100000");
  EXPECT_EQ(payment::read_meter(route, 1, "100000", answer("data: {\"usage\":null}\n\ndata: [DONE]\n\n", "text/event-stream"), false, 0us, &m),
            "100000");
  const std::string text = m.expose({});
  EXPECT_NE(text.find("x402gw_meter_unread_total{route=\"llm\"} 2\n"), std::string::npos) << text;
}

TEST(SettleMeter, BytesAndTimeMeters) {
  config::Route route = metered_route();
  route.meter.kind = config::MeterSpec::Kind::bytes;
  route.meter.per = 1024;
  route.meter.unit_price = {"", "100"};
  EXPECT_EQ(payment::read_meter(route, 1, "100000", answer(std::string(3000, 'x'), "application/octet-stream"), false, 0us), "293");
  route.meter.kind = config::MeterSpec::Kind::time;
  route.meter.per = 1'000'000;
  route.meter.unit_price = {"", "10000"};
  EXPECT_EQ(payment::read_meter(route, 1, "100000", answer(""), false, 300'000us), "3000");
}

// The maximum is this request's (a price from the request, a pricer's "max"), not the route's
// configured requirement, whose amount is a placeholder on such routes.
TEST(SettleMeter, AnUnreadAnswerIsChargedThisRequestsMaximum) {
  const config::Route route = metered_route();
  EXPECT_EQ(payment::read_meter(route, 1, "5000000", answer(R"({"choices":[]})"), false, 0us), "5000000");
  EXPECT_EQ(payment::read_meter(route, 1, "40000", answer(R"({"choices":[]})"), false, 0us), "40000");
  // A reading is the reading, whatever the maximum (the caller clamps).
  EXPECT_EQ(payment::read_meter(route, 1, "40000", answer(R"({"usage":{"total_tokens":1500}})"), false, 0us), "3000");
}

// HEAD, 204 and 304 carry no content by HTTP: nothing a JSON meter counts was sold, so nothing is
// charged (never the maximum, as for a body that does not say its usage).
TEST(SettleMeter, AnAnswerWithoutContentIsChargedNothingByAJsonMeter) {
  const auto route = metered_route();
  EXPECT_EQ(payment::read_meter(route, 1, "100000", answer(""), true, 0us), "0");
  upstream::HeldResponse no_content = answer("");
  no_content.result(bhttp::status::no_content);
  EXPECT_EQ(payment::read_meter(route, 1, "100000", no_content, false, 0us), "0");
  upstream::HeldResponse not_modified = answer("");
  not_modified.result(bhttp::status::not_modified);
  EXPECT_EQ(payment::read_meter(route, 1, "100000", not_modified, false, 0us), "0");
  EXPECT_EQ(payment::read_meter(route, 1, "100000", answer(""), false, 0us), "100000");  // a GET whose body says nothing
}
