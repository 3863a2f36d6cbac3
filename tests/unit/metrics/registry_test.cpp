#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace x402gw::metrics;

TEST(Registry, CountersWithLabelsAndHelp) {
  Registry r;
  r.add({"x_total", "Things.", Type::counter, {}});
  r.inc("x_total", {{"route", "a"}});
  r.inc("x_total", {{"route", "a"}}, 2);
  r.inc("x_total", {{"route", "b"}});
  r.inc("unknown_total", {{"route", "a"}});  // ignored
  EXPECT_EQ(r.expose(),
            "# HELP x_total Things.\n# TYPE x_total counter\n"
            "x_total{route=\"a\"} 3\nx_total{route=\"b\"} 1\n");
}

TEST(Registry, EscapesLabelValues) {
  EXPECT_EQ(Registry::format_labels({{"a", "q\"b\\s\nn"}}), "{a=\"q\\\"b\\\\s\\nn\"}");
  EXPECT_EQ(Registry::format_labels({}), "");
}

TEST(Registry, HistogramsAreCumulativeWithSumAndCount) {
  Registry r;
  r.add({"h_seconds", "Latency.", Type::histogram, {0.1, 1}});
  r.observe("h_seconds", {{"e", "v"}}, 0.05);
  r.observe("h_seconds", {{"e", "v"}}, 0.5);
  r.observe("h_seconds", {{"e", "v"}}, 5);
  std::string text = r.expose();
  EXPECT_NE(text.find("h_seconds_bucket{e=\"v\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_seconds_bucket{e=\"v\",le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_seconds_bucket{e=\"v\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_seconds_sum{e=\"v\"} 5.55\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_seconds_count{e=\"v\"} 3\n"), std::string::npos) << text;
}

TEST(Registry, ShardsFromSeveralThreadsAddUp) {
  Registry r;
  r.add({"n_total", "N.", Type::counter, {}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) r.inc("n_total", {});
    });
  for (auto& t : threads) t.join();
  EXPECT_NE(r.expose().find("n_total 4000\n"), std::string::npos);
}

TEST(Registry, GaugesKeepTheLastValue) {
  Registry r;
  r.add({"g", "G.", Type::gauge, {}});
  r.set("g", {}, 5);
  r.set("g", {}, 2);
  EXPECT_NE(r.expose().find("g 2\n"), std::string::npos);
}
