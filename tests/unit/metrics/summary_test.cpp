#include "metrics/summary.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace x402gw::metrics {
namespace {

constexpr int64_t kT0 = 1'800'000'000;  // unix seconds

core::ExchangeRecord paid(std::string route, std::string amount, core::PaymentOutcome outcome = core::PaymentOutcome::settled) {
  core::ExchangeRecord r;
  r.priced = true;
  r.route = std::move(route);
  r.payment = outcome;
  r.network = "eip155:84532";
  r.asset = "0xUSDC";
  r.amount = std::move(amount);
  r.payer = "0xBuyer";
  r.transaction = "0xabc";
  return r;
}

nlohmann::json route_entry(const nlohmann::json& j, const std::string& route) {
  for (const auto& r : j["revenue"]["by_route"])
    if (r["route"] == route) return r;
  return nullptr;
}

TEST(TimeRing, ABucketIsReusedWhenItsSlotComesRoundAgain) {
  TimeRing<60, 60> ring;
  ring.add(kT0, 5);
  EXPECT_EQ(ring.series(kT0)[59], 5);
  // One hour later the same bucket index is reached: the old value is gone, not added to.
  ring.add(kT0 + 3600, 2);
  const auto s = ring.series(kT0 + 3600);
  EXPECT_EQ(s[59], 2);
  double total = 0;
  for (double v : s) total += v;
  EXPECT_EQ(total, 2);
}

TEST(TimeRing, ValuesAgeOutOfTheWindowWithoutNewWrites) {
  TimeRing<60, 60> ring;
  ring.add(kT0, 1);
  ring.add(kT0 + 60, 3);
  auto s = ring.series(kT0 + 60);
  EXPECT_EQ(s[58], 1);
  EXPECT_EQ(s[59], 3);
  // 59 minutes on, the first is in the oldest bucket; one minute more and it has left.
  s = ring.series(kT0 + 59 * 60);
  EXPECT_EQ(s[0], 1);
  s = ring.series(kT0 + 60 * 60);
  EXPECT_EQ(s[0], 3);
  for (size_t i = 1; i < 60; ++i) EXPECT_EQ(s[i], 0);
  s = ring.series(kT0 + 61 * 60);
  for (double v : s) EXPECT_EQ(v, 0);
}

TEST(Summary, RevenueOverTheHourAndTheDay) {
  Summary summary;
  summary.record(paid("weather", "10000"), kT0 * 1000);
  summary.record(paid("weather", "5000"), (kT0 + 2 * 3600) * 1000);
  const auto j = summary.to_json((kT0 + 2 * 3600) * 1000, {});
  const auto w = route_entry(j, "weather");
  ASSERT_FALSE(w.is_null());
  EXPECT_EQ(w["hour"], 5000);   // the first is two hours old
  EXPECT_EQ(w["day"], 15000);
  EXPECT_EQ(w["total"], 15000);
  EXPECT_EQ(w["count"], 2);
  EXPECT_EQ(w["minutes"].size(), 60u);
  EXPECT_EQ(w["hours"].size(), 24u);
  EXPECT_EQ(j["revenue"]["by_asset"][0]["network"], "eip155:84532");
  EXPECT_EQ(j["revenue"]["by_asset"][0]["day"], 15000);
  EXPECT_FALSE(j["revenue"]["by_asset"][0].contains("decimals"));
  Summary::Live live;
  live.units = {{"eip155:84532", "0xUSDC", 6}, {"eip155:8453", "0xUSDC", 18}};
  EXPECT_EQ(summary.to_json((kT0 + 2 * 3600) * 1000, live)["revenue"]["by_asset"][0]["decimals"], 6);
  // A day later both left the windows; the since-start total stays.
  const auto later = route_entry(summary.to_json((kT0 + 27 * 3600) * 1000, {}), "weather");
  EXPECT_EQ(later["day"], 0);
  EXPECT_EQ(later["total"], 15000);
}

TEST(Summary, OutcomesRefusalsAndReconciliation) {
  Summary summary;
  auto refused = paid("weather", "10000", core::PaymentOutcome::rejected);
  refused.error = "insufficient_funds";
  summary.record(refused, kT0 * 1000);
  refused.error = "Not A Code!";
  summary.record(refused, kT0 * 1000);
  summary.record(paid("weather", "1", core::PaymentOutcome::outcome_unknown), kT0 * 1000);
  summary.record(paid("weather", "1", core::PaymentOutcome::settled), kT0 * 1000);
  auto challenged = paid("weather", "1", core::PaymentOutcome::challenged);
  summary.record(challenged, kT0 * 1000);  // a challenge is not a payment
  auto free = paid("free", "1");
  free.priced = false;
  summary.record(free, kT0 * 1000);
  summary.reconciled("settled", kT0 * 1000);
  const auto j = summary.to_json(kT0 * 1000, {});
  EXPECT_EQ(j["payments"]["outcomes"]["refused"], 2);
  EXPECT_EQ(j["payments"]["outcomes"]["unknown"], 1);
  EXPECT_EQ(j["payments"]["outcomes"]["settled"], 1);
  EXPECT_FALSE(j["payments"]["outcomes"].contains("challenged"));
  EXPECT_EQ(j["payments"]["refused"]["insufficient_funds"], 1);
  EXPECT_EQ(j["payments"]["refused"]["other"], 1);  // a reason that is not a safe code
  EXPECT_EQ(j["payments"]["trend"]["refused"]["hour"], 2);
  EXPECT_EQ(j["reconciled"]["settled"], 1);
  EXPECT_EQ(j["recent"].size(), 4u);
  EXPECT_TRUE(route_entry(j, "free").is_null());
}

TEST(Summary, TheRecentListIsBoundedAndNewestFirst) {
  Summary summary;
  for (int i = 0; i < 130; ++i) {
    auto r = paid("weather", std::to_string(i));
    r.payer = std::string(1000, 'p');  // cut to kMaxField
    summary.record(r, kT0 * 1000 + i);
  }
  const auto j = summary.to_json(kT0 * 1000 + 200, {});
  ASSERT_EQ(j["recent"].size(), Summary::kRecent);
  EXPECT_EQ(j["recent"][0]["amount"], "129");
  EXPECT_EQ(j["recent"][Summary::kRecent - 1]["amount"], std::to_string(130 - Summary::kRecent));
  EXPECT_EQ(j["recent"][0]["payer"].get<std::string>().size(), Summary::kMaxField);
}

TEST(Summary, DistinctKeysAreBoundedAndTheRestCountsAsOther) {
  Summary summary;
  for (int i = 0; i < 200; ++i) summary.record(paid("route" + std::to_string(i), "1"), kT0 * 1000);
  const auto j = summary.to_json(kT0 * 1000, {});
  EXPECT_LE(j["revenue"]["by_route"].size(), Summary::kMaxKeys);
  double total = 0;
  for (const auto& r : j["revenue"]["by_route"]) total += r["total"].get<double>();
  EXPECT_EQ(total, 200);  // nothing lost, the overflow is under "other"
  EXPECT_FALSE(route_entry(j, "other").is_null());
}

TEST(Summary, ThreadsWriteTheirOwnShardsAndAReadMergesThem) {
  Summary summary;
  auto work = [&] {
    for (int i = 0; i < 1000; ++i) summary.record(paid("weather", "2"), kT0 * 1000);
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  const auto w = route_entry(summary.to_json(kT0 * 1000, {}), "weather");
  EXPECT_EQ(w["total"], 4000);
  EXPECT_EQ(w["count"], 2000);
}

TEST(Summary, FacilitatorHealthKeepsTheLastErrorAndTheLatency) {
  Summary summary;
  summary.facilitator_call("f", "verify", "ok", 0.010, kT0 * 1000);
  summary.facilitator_call("f", "settle", "timeout", 0.030, kT0 * 1000 + 5);
  summary.facilitator_call("f", "verify", "ok", 0.020, kT0 * 1000 + 9);
  Summary::Live live;
  live.breakers = {{"f", "open"}, {"idle", "closed"}};
  const auto j = summary.to_json(kT0 * 1000 + 10, live);
  ASSERT_EQ(j["facilitators"].size(), 2u);
  const auto& f = j["facilitators"][0];
  EXPECT_EQ(f["name"], "f");
  EXPECT_EQ(f["breaker"], "open");
  EXPECT_EQ(f["calls"], 3);
  EXPECT_EQ(f["errors"], 1);
  EXPECT_EQ(f["last_error"], "timeout");
  EXPECT_EQ(f["last_error_endpoint"], "settle");
  EXPECT_DOUBLE_EQ(f["last_latency_ms"].get<double>(), 20);
  EXPECT_DOUBLE_EQ(f["hour_avg_latency_ms"].get<double>(), 20);
  EXPECT_EQ(j["facilitators"][1]["calls"], 0);
}

TEST(Summary, ConfigGenerationAndCertificates) {
  Summary summary;
  summary.start(kT0 * 1000);
  summary.reload(true, (kT0 + 10) * 1000);
  summary.reload(false, (kT0 + 20) * 1000);
  summary.certificate_expiry("127.0.0.1:8443", kT0 + 86400);
  Summary::Live live;
  live.config_hash = "abc";
  const auto j = summary.to_json((kT0 + 30) * 1000, live);
  EXPECT_EQ(j["config"]["generation"], 2);
  EXPECT_EQ(j["config"]["last_reload_ok"], false);
  EXPECT_EQ(j["config"]["reloads_failed"], 1);
  EXPECT_EQ(j["config"]["hash"], "abc");
  EXPECT_EQ(j["certificates"][0]["seconds_left"], 86400 - 30);
}

}  // namespace
}  // namespace x402gw::metrics
