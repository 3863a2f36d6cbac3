// What a settled claim keeps for re-presentations, and a payment's expiry.
#include "payment/settled_marker.hpp"

#include <gtest/gtest.h>

using namespace x402gw;

namespace {

x402::PaymentPayload evm(const std::string& signature, nlohmann::json valid_before) {
  x402::PaymentPayload p;
  p.version = 2;
  p.document = {{"x402Version", 2},
                {"payload",
                 {{"signature", signature},
                  {"authorization", {{"from", "0x01"}, {"nonce", "0x02"}, {"validBefore", std::move(valid_before)}}}}}};
  return p;
}

}  // namespace

TEST(SettledMarker, RoundTrips) {
  const payment::SettledMarker m{"abcd", {{"success", true}, {"transaction", "0x1"}}};
  const auto back = payment::decode_marker(payment::encode_marker(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->payload_digest, "abcd");
  EXPECT_EQ(back->settlement, m.settlement);
}

TEST(SettledMarker, AnythingElseIsNotAMarker) {
  for (const char* text : {"", "{}", "not json", R"({"payload_digest":1,"settlement":{}})", R"({"payload_digest":"a","settlement":[]})"})
    EXPECT_FALSE(payment::decode_marker(text)) << text;
}

TEST(SettledMarker, TheDigestCoversTheSignatureAndRouteNotTheSpelling) {
  const auto a = evm("0xaaaa", "100");
  const auto b = evm("0xbbbb", "100");  // a payload forged around the same payer and nonce
  EXPECT_NE(payment::payload_digest("r", a), payment::payload_digest("r", b));
  EXPECT_NE(payment::payload_digest("r", a), payment::payload_digest("other route", a));
  x402::PaymentPayload reordered = a;
  reordered.document = nlohmann::json::parse(R"({"payload":{"authorization":{"validBefore":"100","nonce":"0x02","from":"0x01"},"signature":"0xaaaa"},"x402Version":2})");
  EXPECT_EQ(payment::payload_digest("r", a), payment::payload_digest("r", reordered));
  EXPECT_EQ(payment::payload_digest("r", a).size(), 64u);
}

TEST(SettledMarker, ExpiryIsTheAuthorizationsValidBefore) {
  EXPECT_EQ(payment::payment_expiry(evm("0x", "1700000100"), 60, 1'700'000'000), 1'700'000'100);
  EXPECT_EQ(payment::payment_expiry(evm("0x", 1700000200u), 60, 1'700'000'000), 1'700'000'200);
  // Absent or unreadable: now plus the requirement's timeout.
  EXPECT_EQ(payment::payment_expiry(evm("0x", "soon"), 60, 1'700'000'000), 1'700'000'060);
  x402::PaymentPayload solana;
  solana.document = {{"payload", {{"transaction", "AQID"}}}};
  EXPECT_EQ(payment::payment_expiry(solana, 30, 1'700'000'000), 1'700'000'030);
  EXPECT_EQ(payment::payment_expiry(evm("0x", "99999999999999999999999"), 60, 1), INT64_MAX);
}

TEST(SettledMarker, ItsSettlementIsTheReceipt) {
  const payment::SettledMarker m{"d", {{"success", true}, {"transaction", ""}, {"network", "eip155:1"}, {"payer", "0xp"}}};
  const x402::SettleResult r = payment::settlement_of(m);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.transaction, "");  // learned from a used nonce: no hash was named
  EXPECT_EQ(r.network, "eip155:1");
  EXPECT_EQ(r.payer, "0xp");
  EXPECT_EQ(r.document, m.settlement);
}

// Markers outlive the process (a shared store keeps them): the digest of a payload must stay what
// it was when the marker was written. This value is SHA-256 of "r\n" and the canonical text below.
TEST(SettledMarker, TheDigestIsStableAcrossVersions) {
  x402::PaymentPayload p;
  p.version = 2;
  p.document = nlohmann::json::parse(R"({"x402Version":2, "payload": {"b":"x\u00e9\n", "a":1}})");
  const std::string expected = "ff98cf7f12f2b7b8d3aaa8b29a347116c3e14fec4734deb0428c2932ad054bfb";
  EXPECT_EQ(payment::payload_digest("r", p), expected);
  EXPECT_EQ(payment::payload_digest("r", std::string_view("{\"payload\":{\"a\":1,\"b\":\"x\xc3\xa9\\n\"},\"x402Version\":2}")), expected);
}

// Markers written by earlier versions and by this one must be the same bytes: the tree dump was
// the first writer.
TEST(SettledMarker, EncodesAsTheTreeDumpDid) {
  const payment::SettledMarker m{"ab\"cd", nlohmann::json::parse(R"({"success":true,"transaction":"0x01","network":"eip155:84532","payer":"0x\u00e9","n":1.5})")};
  const std::string tree = nlohmann::json{{"payload_digest", m.payload_digest}, {"settlement", m.settlement}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  EXPECT_EQ(payment::encode_marker(m), tree);
}
