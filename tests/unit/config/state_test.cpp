#include "config/state.hpp"

#include <gtest/gtest.h>

#include <map>

#include "config/loader.hpp"

using namespace x402gw::config;

namespace {

EnvLookup env(std::map<std::string, std::string> vars = {}) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const std::string kBase = R"(upstreams:
  api: { url: "http://127.0.0.1:3000" }
routes:
  - match: "GET /free"
)";

LoadResult load(const std::string& state, std::map<std::string, std::string> vars = {}) {
  return load_config_text(kBase + state, "test.yaml", env(std::move(vars)));
}

}  // namespace

TEST(RedisUrl, HostPortDbAndPassword) {
  std::string why;
  auto a = parse_redis_url("redis://:s3cret@redis.default.svc:6380/2", &why);
  ASSERT_TRUE(a) << why;
  EXPECT_EQ(a->host, "redis.default.svc");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->db, 2);
  EXPECT_EQ(a->password, "s3cret");
  EXPECT_EQ(a->to_string(), "redis://redis.default.svc:6380/2");  // never the password
  auto d = parse_redis_url("redis://127.0.0.1", &why);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 6379);
  EXPECT_EQ(d->db, 0);
  auto v6 = parse_redis_url("redis://[::1]:7000/0", &why);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7000);
}

TEST(RedisUrl, WhatIsNotSupportedIsRefusedWithAReason) {
  for (const char* bad : {"rediss://h:6379", "http://h:6379", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x",
                          "redis://h/16", "redis://h/a", "redis://user:pw@h", "redis://pw@h", "redis://h?db=1", "redis://[::1"}) {
    std::string why;
    EXPECT_FALSE(parse_redis_url(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(StateConfig, MemoryIsTheDefault) {
  auto r = load("");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->state.store, StateStore::memory);
  EXPECT_EQ(r.config->state.key_prefix, "x402gw:");
  EXPECT_EQ(r.config->state.max_payments, 50'000u);  // the memory store's bound: about 35 MiB
}

TEST(StateConfig, MaxPaymentsBoundsTheMemoryStore) {
  auto r = load("state:\n  max_payments: 5000\n");
  ASSERT_TRUE(r.config) << r.report();
  EXPECT_EQ(r.config->state.max_payments, 5000u);
}

TEST(StateConfig, RedisWithEveryKey) {
  auto r = load(R"(state:
  store: redis
  url: "redis://10.0.0.5:6379/1"
  password: "${REDIS_PASSWORD}"
  key_prefix: "shop:"
  on_store_failure: refuse
  timeout: 250ms
  connect_timeout: 1s
  claim_lease: 20s
  remember: 48h
)", {{"REDIS_PASSWORD", "pw"}});
  ASSERT_TRUE(r.config) << r.report();
  const State& s = r.config->state;
  EXPECT_EQ(s.store, StateStore::redis);
  EXPECT_EQ(s.redis.host, "10.0.0.5");
  EXPECT_EQ(s.redis.db, 1);
  EXPECT_EQ(s.redis.password, "pw");
  EXPECT_EQ(s.key_prefix, "shop:");
  EXPECT_EQ(s.timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(s.connect_timeout, std::chrono::seconds(1));
  EXPECT_EQ(s.claim_lease, std::chrono::seconds(20));
  EXPECT_EQ(s.remember, std::chrono::hours(48));
}

TEST(StateConfig, MistakesAreReportedWithTheirLine) {
  struct Case {
    const char* yaml;
    const char* needle;
  };
  for (const Case& c : {Case{"state:\n  store: etcd\n", "state.store"}, Case{"state:\n  store: redis\n", "state.url"},
                        Case{"state:\n  store: redis\n  url: \"rediss://h\"\n", "not supported"},
                        Case{"state:\n  on_store_failure: allow\n", "state.on_store_failure"},
                        Case{"state:\n  claim_lease: 1s\n", "state.claim_lease"},
                        Case{"state:\n  timeout: 0ms\n", "state.timeout"},
                        Case{"state:\n  bogus: 1\n", "bogus"},
                        Case{"state:\n  max_payments: 0\n", "state.max_payments"},
                        Case{"state:\n  max_payments: lots\n", "state.max_payments"},
                        Case{"state:\n  store: redis\n  url: redis://h\n  password: \"${UNSET_PW}\"\n", "UNSET_PW"}}) {
    auto r = load(c.yaml);
    EXPECT_FALSE(r.config) << c.yaml;
    const std::string report = r.report();
    EXPECT_NE(report.find(c.needle), std::string::npos) << report;
    EXPECT_NE(report.find("test.yaml:"), std::string::npos) << report;
  }
}
