#include "pricer/pricers.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace x402gw;
using namespace std::chrono_literals;

namespace {

config::ConfigPtr load(const std::string& breaker) {
  auto r = config::load_config_text(R"(upstreams: { api: "http://127.0.0.1:1" }
facilitators: { f: { url: "http://127.0.0.1:2" } }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base }
routes:
  - { match: "GET /q/*", pricer: { url: "http://127.0.0.1:3/price", breaker: )" + breaker + R"(, cache: { key: [path], ttl: 1s, max_entries: 2 } } }
  - { match: "GET /fixed", price: "$0.01" }
)", "t.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(r.config) << r.report();
  return r.config;
}

}  // namespace

TEST(Pricers, OneStatePerRouteKeptAcrossReloads) {
  pricer::Pricers pricers;
  auto first = load("{ failures: 1, open_for: 10s }");
  auto state = pricers.for_route(first->routes[0], 1);
  EXPECT_EQ(pricers.for_route(first->routes[0], 1), state);
  const auto now = facilitator::Breaker::Clock::now();
  state->breaker.record(state->breaker.admit(now), false, now, "pricer_unavailable");
  auto views = pricers.breakers(*first, now);
  ASSERT_EQ(views.size(), 1u);  // the fixed route has no pricer
  EXPECT_EQ(views[0].route, "GET /q/*");
  EXPECT_EQ(views[0].url, "http://127.0.0.1:3/price");
  EXPECT_EQ(views[0].snapshot.state, facilitator::BreakerState::open);
  // A reload that keeps the route and its pricer keeps what the breaker learnt, with new thresholds.
  auto second = load("{ failures: 3, open_for: 10s }");
  EXPECT_EQ(pricers.for_route(second->routes[0], 2), state);
  EXPECT_EQ(pricers.breakers(*second, now)[0].snapshot.state, facilitator::BreakerState::open);
}
