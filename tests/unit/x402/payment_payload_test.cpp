#include "x402/payment_payload.hpp"

#include <gtest/gtest.h>

#include "test_requirements.hpp"
#include "x402/base64.hpp"

using namespace x402gw::x402;
using namespace x402gw::x402::testing;

namespace {

nlohmann::json evm_payload(const Requirement& r, std::string value = "", std::string to = "") {
  return {{"signature", "0x" + std::string(130, 'a')},
          {"authorization",
           {{"from", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"},
            {"to", to.empty() ? r.pay_to : to},
            {"value", value.empty() ? r.amount : value},
            {"validAfter", "0"},
            {"validBefore", "9999999999"},
            {"nonce", "0x" + std::string(64, '1')}}}};
}

std::string v1_header(const Requirement& r, std::string value = "", std::string to = "") {
  nlohmann::json doc = {{"x402Version", 1}, {"scheme", "exact"}, {"network", r.v1_network}, {"payload", evm_payload(r, value, to)}};
  return base64_encode(doc.dump());
}

std::string v2_header(const Requirement& r, nlohmann::json accepted) {
  nlohmann::json doc = {{"x402Version", 2}, {"accepted", accepted}, {"payload", evm_payload(r)}};
  return base64_encode(doc.dump());
}

std::string code_of(const std::variant<PaymentPayload, PaymentRejection>& v) {
  return std::holds_alternative<PaymentRejection>(v) ? std::get<PaymentRejection>(v).code : "ok";
}

std::string match_code(const std::string& header, int version, const std::vector<Requirement>& reqs) {
  auto decoded = decode_payment_header(header, version);
  if (auto* rej = std::get_if<PaymentRejection>(&decoded)) return "decode:" + rej->code;
  auto m = match_requirement(std::get<PaymentPayload>(decoded), reqs);
  if (auto* rej = std::get_if<PaymentRejection>(&m)) return rej->code;
  return "index:" + std::to_string(std::get<size_t>(m));
}

}  // namespace

TEST(PaymentPayload, DecodesValidV1) {
  auto r = base_sepolia_usdc();
  auto decoded = decode_payment_header(v1_header(r), 1);
  ASSERT_EQ(code_of(decoded), "ok");
  const auto& p = std::get<PaymentPayload>(decoded);
  EXPECT_EQ(p.version, 1);
  EXPECT_EQ(p.scheme, "exact");
  EXPECT_EQ(p.network, "base-sepolia");
  EXPECT_EQ(payload_payer(p), "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
}

TEST(PaymentPayload, DecodesValidV2AndMatchesByDeepEquality) {
  auto r = base_sepolia_usdc();
  // Keys in another order: equality is structural, as the reference server's.
  nlohmann::json accepted = nlohmann::json::parse(to_v2_json(r).dump());
  EXPECT_EQ(match_code(v2_header(r, accepted), 2, {local_chain_token(), r}), "index:1");
}

TEST(PaymentPayload, MalformedBase64) {
  EXPECT_EQ(code_of(decode_payment_header("not*base64", 1)), "invalid_payment_header");
  EXPECT_EQ(code_of(decode_payment_header("", 1)), "invalid_payment_header");
}

TEST(PaymentPayload, MalformedJson) {
  EXPECT_EQ(code_of(decode_payment_header(base64_encode("{\"x402Version\":1,"), 1)), "invalid_payment_header");
  EXPECT_EQ(code_of(decode_payment_header(base64_encode("[1,2]"), 1)), "invalid_payment_header");
  EXPECT_EQ(code_of(decode_payment_header(base64_encode("{\"x402Version\":1,\"scheme\":\"exact\",\"network\":\"base\"}"), 1)),
            "invalid_payment_header");  // no payload
}

TEST(PaymentPayload, WrongVersionForTheHeader) {
  auto r = base_sepolia_usdc();
  EXPECT_EQ(code_of(decode_payment_header(v1_header(r), 2)), "invalid_x402_version");
  EXPECT_EQ(code_of(decode_payment_header(v2_header(r, to_v2_json(r)), 1)), "invalid_x402_version");
  EXPECT_EQ(code_of(decode_payment_header(base64_encode("{\"x402Version\":\"1\",\"payload\":{}}"), 1)),
            "invalid_payment_header");
}

TEST(PaymentPayload, WrongNetworkOrScheme) {
  auto r = base_sepolia_usdc();
  nlohmann::json doc = {{"x402Version", 1}, {"scheme", "exact"}, {"network", "base"}, {"payload", evm_payload(r)}};
  EXPECT_EQ(match_code(base64_encode(doc.dump()), 1, {r}), "no_matching_requirements");
  doc["network"] = "base-sepolia";
  doc["scheme"] = "upto";
  EXPECT_EQ(match_code(base64_encode(doc.dump()), 1, {r}), "no_matching_requirements");
}

TEST(PaymentPayload, V2EchoThatDiffersInAnyFieldDoesNotMatch) {
  auto r = base_sepolia_usdc();
  for (const char* field : {"amount", "payTo", "asset", "network"}) {
    auto accepted = to_v2_json(r);
    accepted[field] = "1";
    EXPECT_EQ(match_code(v2_header(r, accepted), 2, {r}), "no_matching_requirements") << field;
  }
  auto accepted = to_v2_json(r);
  accepted["maxTimeoutSeconds"] = 61;
  EXPECT_EQ(match_code(v2_header(r, accepted), 2, {r}), "no_matching_requirements");
}

TEST(PaymentPayload, WrongAmountInAuthorization) {
  auto r = base_sepolia_usdc();
  EXPECT_EQ(match_code(v1_header(r, "9999"), 1, {r}), "payment_amount_mismatch");
  EXPECT_EQ(match_code(v1_header(r, "0x2710"), 1, {r}), "payment_amount_mismatch");
  EXPECT_EQ(match_code(v1_header(r, "10000"), 1, {r}), "index:0");
}

TEST(PaymentPayload, WrongPayToInAuthorization) {
  auto r = base_sepolia_usdc();
  EXPECT_EQ(match_code(v1_header(r, "", "0x0000000000000000000000000000000000000001"), 1, {r}),
            "payment_recipient_mismatch");
  // Address case does not matter (checksummed or not).
  std::string lower = r.pay_to;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(match_code(v1_header(r, "", lower), 1, {r}), "index:0");
}

TEST(PaymentPayload, RefusesOversizedHeader) {
  EXPECT_EQ(code_of(decode_payment_header(std::string(kMaxPaymentHeaderBytes + 4, 'A'), 1)), "invalid_payment_header");
}
