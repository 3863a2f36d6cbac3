#include "state/redis_keys.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace x402gw::state;
using namespace std::chrono_literals;
using x402gw::payment::Claim;
using x402gw::payment::Ending;
using x402gw::payment::Finish;

TEST(RedisKeys, ClaimAndLimitKeysLiveUnderThePrefixInTheirOwnSpaces) {
  EXPECT_EQ(claim_key("x402gw:", "eip155:8453|0xabc|0x01"), "x402gw:claim:eip155:8453|0xabc|0x01");
  EXPECT_EQ(limit_key("x402gw:", "10.0.0.7"), "x402gw:limit:10.0.0.7");
  EXPECT_EQ(claim_key("", "id"), "claim:id");
  // A client address can never collide with a payment identity.
  EXPECT_NE(claim_key("p:", "x"), limit_key("p:", "x"));
}

TEST(RedisKeys, BinaryIdentitiesAreKeptAsTheyAre) {
  const std::string identity("a\0b\r\n", 5);
  const std::string key = claim_key("k:", identity);
  EXPECT_EQ(key.size(), 2 + 6 + 5);
  EXPECT_EQ(key.substr(8), identity);
}

TEST(RedisKeys, ClaimValuesDecodeToTheirOutcome) {
  EXPECT_EQ(decode_claim(in_flight_value("abc")).status, Claim::in_flight);
  auto settled = decode_claim("S:{\"success\":true,\"transaction\":\"0x01\"}");
  EXPECT_EQ(settled.status, Claim::landed);
  EXPECT_EQ(settled.receipt, "{\"success\":true,\"transaction\":\"0x01\"}");
  auto empty_receipt = decode_claim("S:");
  EXPECT_EQ(empty_receipt.status, Claim::landed);
  EXPECT_EQ(empty_receipt.receipt, "");
  auto delivered = decode_claim("D:{\"transaction\":\"0x02\"}");
  EXPECT_EQ(delivered.status, Claim::delivered);
  EXPECT_EQ(delivered.receipt, "{\"transaction\":\"0x02\"}");
  EXPECT_EQ(decode_claim("U:").status, Claim::outcome_unknown);
}

TEST(RedisKeys, ValuesTheGatewayDidNotWriteFailClosed) {
  for (const char* v : {"", "S", "X:1", "1", "settled"}) EXPECT_EQ(decode_claim(v).status, Claim::unavailable) << v;
}

TEST(RedisKeys, EndingCodesMatchTheScripts) {
  EXPECT_EQ(ending_code(Finish::settled), "S");
  EXPECT_EQ(ending_code(Finish::delivered), "D");
  EXPECT_EQ(ending_code(Finish::unknown), "U");
  EXPECT_EQ(ending_code(Finish::released), "R");
}

TEST(RedisLease, TheRequestedLeaseIsCappedAndNeverBelowASecond) {
  EXPECT_EQ(redis_lease(std::chrono::milliseconds(150'000), 30s), 30s);
  EXPECT_EQ(redis_lease(10s, 30s), 10s);
  EXPECT_EQ(redis_lease(10ms, 30s), 1s);
  EXPECT_EQ(redis_lease(10s, 5ms), 1s);
}

TEST(RedisLease, RenewalComesThreeTimesPerLease) {
  EXPECT_EQ(renew_interval(30s), 10s);
  EXPECT_LT(renew_interval(3s) * 2, 3s);  // one lost renewal leaves the claim alive
}

TEST(RedisLease, SettledClaimsAreKeptForTheLongerOfKeepAndRemember) {
  Ending e;
  e.how = Finish::settled;
  EXPECT_EQ(keep_for(e, std::chrono::hours(24)), std::chrono::hours(24));
  e.keep = std::chrono::hours(48);
  EXPECT_EQ(keep_for(e, std::chrono::hours(24)), std::chrono::hours(48));
  e.keep = 60s;
  EXPECT_EQ(keep_for(e, std::chrono::hours(1)), std::chrono::hours(1));
}

TEST(RedisLease, ABriefRefusalIsKeptItsOwnKeepNotRemember) {
  Ending e;
  e.how = Finish::delivered;
  e.retention = x402gw::payment::Retention::brief;
  e.keep = std::chrono::minutes(10);
  EXPECT_EQ(keep_for(e, std::chrono::hours(24)), std::chrono::minutes(10));
  e.keep = 0s;
  EXPECT_EQ(keep_for(e, std::chrono::hours(24)), 1s);  // PX must be positive
  e.retention = x402gw::payment::Retention::pinned;
  e.keep = std::chrono::hours(2);
  EXPECT_EQ(keep_for(e, std::chrono::hours(24)), std::chrono::hours(24));
  e.how = Finish::settled;  // landed: its answer is owed, so never brief
  e.retention = x402gw::payment::Retention::brief;
  EXPECT_EQ(keep_for(e, std::chrono::hours(24)), std::chrono::hours(24));
}

TEST(RedisTokens, TokensAreFreshHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string t = new_token();
    ASSERT_EQ(t.size(), 32u);
    ASSERT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Gcra, ParametersFollowRateAndBurst) {
  auto p = gcra_params(20, 40);
  EXPECT_EQ(p.interval_us, 50'000);
  EXPECT_EQ(p.tolerance_us, 39 * 50'000);
  auto one = gcra_params(1, 1);
  EXPECT_EQ(one.interval_us, 1'000'000);
  EXPECT_EQ(one.tolerance_us, 0);  // a burst of one: no tolerance
  EXPECT_EQ(gcra_params(0, 40).interval_us, 0);  // unlimited
  EXPECT_EQ(gcra_params(5'000'000, 1).interval_us, 1);  // never zero for a limited rate
}
