// The process's breakers: one per facilitator name and URL, kept across reloads.
#include "facilitator/breakers.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace x402gw::facilitator {
namespace {

config::Config load(const std::string& facilitators) {
  const std::string text = "upstreams: { api: \"http://127.0.0.1:3000\" }\nfacilitators:\n" + facilitators +
                           "routes:\n  - { match: \"/*\" }\n";
  auto loaded = config::load_config_text(text, "test.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(loaded.config) << loaded.report();
  return *loaded.config;
}

TEST(Breakers, OnePerNameAndUrlKeptAcrossReloads) {
  Breakers breakers;
  const auto first = load("  a: { url: \"http://127.0.0.1:1\", breaker: { failures: 1 } }\n  b: { url: \"http://127.0.0.1:2\" }\n");
  auto set1 = breakers.for_config(first);
  ASSERT_EQ(set1->by_index.size(), 2u);
  EXPECT_EQ(breakers.for_config(first), set1);  // looked up once per configuration
  const auto now = Breaker::Clock::now();
  set1->by_index[0]->record(Admission::allowed, false, now, "down");
  ASSERT_EQ(set1->by_index[0]->snapshot(now).state, BreakerState::open);

  // A reload that keeps 'a' (listed second now, with new settings) keeps its state; 'b' moved to a new URL: a fresh breaker.
  const auto second = load("  b: { url: \"http://127.0.0.1:3\" }\n  a: { url: \"http://127.0.0.1:1\", breaker: { failures: 2 } }\n");
  auto set2 = breakers.for_config(second);
  EXPECT_EQ(set2->by_index[1], set1->by_index[0]);
  EXPECT_EQ(set2->by_index[1]->snapshot(now).state, BreakerState::open);
  EXPECT_NE(set2->by_index[0], set1->by_index[1]);
  EXPECT_EQ(set2->by_index[0]->snapshot(now).state, BreakerState::closed);
  // The new settings apply: 'a' now needs two failures in a row once closed again.
  ASSERT_EQ(set2->by_index[1]->admit(now + std::chrono::hours(1)), Admission::probe);
  set2->by_index[1]->record(Admission::probe, true, now + std::chrono::hours(1));
  EXPECT_FALSE(set2->by_index[1]->record(Admission::allowed, false, now + std::chrono::hours(1), "x"));
  EXPECT_TRUE(set2->by_index[1]->record(Admission::allowed, false, now + std::chrono::hours(1), "x"));
  // An older configuration still in use by finishing requests gets its own set again.
  EXPECT_EQ(breakers.for_config(first)->by_index[0], set1->by_index[0]);
}

}  // namespace
}  // namespace x402gw::facilitator
