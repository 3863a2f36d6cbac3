#include "x402/facilitator_messages.hpp"

#include <gtest/gtest.h>

#include "test_requirements.hpp"
#include "x402/base64.hpp"

using namespace x402gw::x402;
using namespace x402gw::x402::testing;

TEST(FacilitatorMessages, RequestBodyCarriesPayloadAndRequirementsOfItsVersion) {
  PaymentPayload p;
  p.version = 1;
  p.document = {{"x402Version", 1}, {"scheme", "exact"}, {"network", "base-sepolia"}, {"payload", {{"a", 1}}}};
  auto body = nlohmann::json::parse(facilitator_request_body(p, base_sepolia_usdc(), weather()));
  EXPECT_EQ(body["x402Version"], 1);
  EXPECT_EQ(body["paymentPayload"], p.document);
  EXPECT_EQ(body["paymentRequirements"]["maxAmountRequired"], "10000");
  EXPECT_EQ(body["paymentRequirements"]["resource"], "http://gw.test/api/weather");

  p.version = 2;
  body = nlohmann::json::parse(facilitator_request_body(p, base_sepolia_usdc(), weather()));
  EXPECT_EQ(body["x402Version"], 2);
  EXPECT_EQ(body["paymentRequirements"]["amount"], "10000");
  EXPECT_EQ(body["paymentRequirements"]["network"], "eip155:84532");
}

// The body as it was first written, a nlohmann::json tree dumped whole: the bytes facilitators
// have seen. The body written from texts must be the same, byte for byte.
std::string tree_body(const PaymentPayload& p, const Requirement& r, const ResourceInfo& resource) {
  nlohmann::json body = {
      {"x402Version", p.version},
      {"paymentPayload", p.document},
      {"paymentRequirements", p.version == 1 ? to_v1_json(r, resource) : to_v2_json(r)},
  };
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(FacilitatorMessages, RequestBodyFromTextsIsTheTreeBodyByteForByte) {
  for (int version : {1, 2}) {
    PaymentPayload p;
    p.version = version;
    // Member order, spacing, escapes, unicode and numbers of several kinds, as a client may send them.
    p.document = nlohmann::json::parse(R"({"x402Version":)" + std::to_string(version) +
                                       R"(, "scheme":"exact","network":"base-sepolia",
        "payload":{"signature":"0x5a5a","authorization":{"to":"0x70","from":"0x3C","value":"10000","nonce":"0x01",
        "validBefore": 4102444800, "validAfter":"0"}, "note":"tab\there \"quoted\" \u00e9\u2028 \u0001 \/", "n":-1.5e3,
        "list":[1,true,null,{"z":[],"a":{}}]}})");
    Requirement r = base_sepolia_usdc();
    r.extra = {{"name", "USDC"}, {"version", "2"}};
    const std::string payload_text = p.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string requirement_text =
        (version == 1 ? to_v1_json(r, weather()) : to_v2_json(r)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    EXPECT_EQ(facilitator_request_body(version, payload_text, requirement_text), tree_body(p, r, weather())) << version;
    EXPECT_EQ(facilitator_request_body(p, r, weather()), tree_body(p, r, weather())) << version;
  }
}

TEST(FacilitatorMessages, ParsesVerifyAnswers) {
  auto ok = parse_verify_response(R"({"isValid":true,"payer":"0xabc"})");
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->valid);
  EXPECT_EQ(ok->payer, "0xabc");
  auto bad = parse_verify_response(R"({"isValid":false,"invalidReason":"insufficient_funds"})");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->valid);
  EXPECT_EQ(bad->invalid_reason, "insufficient_funds");
  EXPECT_FALSE(parse_verify_response("<html>oops</html>"));
  EXPECT_FALSE(parse_verify_response(R"({"valid":true})"));
  EXPECT_FALSE(parse_verify_response(R"({"isValid":"yes"})"));
  EXPECT_FALSE(parse_verify_response(""));
}

TEST(FacilitatorMessages, ParsesSettleAnswers) {
  auto ok = parse_settle_response(R"({"success":true,"transaction":"0x12","network":"base-sepolia","payer":"0xabc"})");
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->success);
  EXPECT_EQ(ok->transaction, "0x12");
  auto receipt = nlohmann::json::parse(*base64_decode(encode_receipt(*ok)));
  EXPECT_EQ(receipt["transaction"], "0x12");
  auto failed = parse_settle_response(R"({"success":false,"errorReason":"duplicate_settlement","transaction":""})");
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->success);
  EXPECT_EQ(failed->error_reason, "duplicate_settlement");
  // A success without a transaction proves nothing.
  EXPECT_FALSE(parse_settle_response(R"({"success":true,"transaction":""})"));
  EXPECT_FALSE(parse_settle_response(R"({"ok":true})"));
  EXPECT_FALSE(parse_settle_response("not json"));
}

TEST(FacilitatorMessages, GatewayMadeFailure) {
  auto f = failed_settlement("facilitator_timeout", "no answer in 10s", "eip155:84532", "0xabc");
  auto receipt = nlohmann::json::parse(*base64_decode(encode_receipt(f)));
  EXPECT_EQ(receipt["success"], false);
  EXPECT_EQ(receipt["errorReason"], "facilitator_timeout");
  EXPECT_EQ(receipt["transaction"], "");
  EXPECT_EQ(receipt["payer"], "0xabc");
}

TEST(FacilitatorMessages, SupportedKindsCoverRequirementsOfEitherGeneration) {
  auto kinds = parse_supported_response(
      R"({"kinds":[{"x402Version":2,"scheme":"exact","network":"eip155:84532"},{"x402Version":1,"scheme":"exact","network":"base"},{"x402Version":2,"scheme":"exact","network":"solana:*"}]})");
  ASSERT_TRUE(kinds);
  EXPECT_EQ(kinds->size(), 3u);
  EXPECT_TRUE(supports(*kinds, base_sepolia_usdc()));               // by CAIP-2 (v2)
  auto base = base_sepolia_usdc();
  base.network = "eip155:8453";
  base.v1_network = "base";
  EXPECT_TRUE(supports(*kinds, base));                               // by v1 name
  auto sol = base_sepolia_usdc();
  sol.network = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
  sol.v1_network = "solana";
  EXPECT_TRUE(supports(*kinds, sol));                                // wildcard
  auto poly = base_sepolia_usdc();
  poly.network = "eip155:137";
  poly.v1_network = "polygon";
  EXPECT_FALSE(supports(*kinds, poly));
  auto upto = base_sepolia_usdc();
  upto.scheme = "upto";
  EXPECT_FALSE(supports(*kinds, upto));
  EXPECT_FALSE(parse_supported_response(R"({"kinds":"no"})"));
  EXPECT_FALSE(parse_supported_response("oops"));
}

TEST(FacilitatorMessages, SupportedKindsKeepTheirExtraAndSigners) {
  auto kinds = parse_supported_response(
      R"({"kinds":[{"x402Version":2,"scheme":"exact","network":"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp","extra":{"feePayer":"FeePayer1"}},)"
      R"({"x402Version":2,"scheme":"exact","network":"eip155:84532"}],)"
      R"("signers":{"solana:*":["FeePayer1","FeePayer2"],"eip155:*":["0xabc"],"stellar:*":"not a list"}})");
  ASSERT_TRUE(kinds);
  ASSERT_EQ(kinds->size(), 2u);
  EXPECT_EQ((*kinds)[0].extra["feePayer"], "FeePayer1");
  EXPECT_EQ((*kinds)[0].signers, (std::vector<std::string>{"FeePayer1", "FeePayer2"}));
  EXPECT_TRUE((*kinds)[1].extra.empty());
  EXPECT_EQ((*kinds)[1].signers, (std::vector<std::string>{"0xabc"}));
  const SupportedKind* found = find_kind(*kinds, base_sepolia_usdc());
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->network, "eip155:84532");
  auto poly = base_sepolia_usdc();
  poly.network = "eip155:137";
  poly.v1_network = "polygon";
  EXPECT_EQ(find_kind(*kinds, poly), nullptr);
}
