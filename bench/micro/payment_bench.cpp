// Decoding a client's payment header and matching it against the route's requirements.
#include <benchmark/benchmark.h>

#include "core/json_read.hpp"
#include "core/json_text.hpp"
#include "payment/settled_marker.hpp"
#include "x402/base64.hpp"
#include "x402/facilitator_messages.hpp"
#include "x402/payment_payload.hpp"
#include "x402/test_requirements.hpp"

namespace {

using namespace x402gw::x402;

std::string v2_header(const Requirement& r) {
  nlohmann::json payload = {
      {"x402Version", 2},
      {"resource", {{"url", "http://gw.test/api/weather"}, {"description", "Current weather"}, {"mimeType", "application/json"}}},
      {"accepted", to_v2_json(r)},
      {"payload",
       {{"signature", "0x" + std::string(130, 'a')},
        {"authorization",
         {{"from", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"},
          {"to", r.pay_to},
          {"value", r.amount},
          {"validAfter", "0"},
          {"validBefore", "4102444800"},
          {"nonce", "0x" + std::string(64, '1')}}}}}};
  return base64_encode(payload.dump());
}

void BM_DecodeAndMatchV2(benchmark::State& state) {
  const std::vector<Requirement> requirements{testing::base_sepolia_usdc()};
  const std::string header = v2_header(requirements[0]);
  for (auto _ : state) {
    auto decoded = decode_payment_header(header, 2);
    auto match = match_requirement(std::get<PaymentPayload>(decoded), requirements);
    benchmark::DoNotOptimize(match);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * header.size()));
}
BENCHMARK(BM_DecodeAndMatchV2);

// The paid path's per-request writing (issue 13): base64 of the header, the payload's canonical
// text, and the /verify and /settle body, each against what it replaced.
namespace paid_path {

using namespace x402gw::x402;

struct Fixture {
  std::vector<Requirement> requirements{testing::base_sepolia_usdc()};
  std::string header = v2_header(requirements[0]);
  PaymentPayload payment = std::get<PaymentPayload>(decode_payment_header(header, 2));
  std::string requirement_text = x402gw::core::json_text(to_v2_json(requirements[0]));
};

void BM_Base64DecodeHeader(benchmark::State& state) {
  const Fixture f;
  for (auto _ : state) benchmark::DoNotOptimize(base64_decode(f.header));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.header.size()));
}
BENCHMARK(BM_Base64DecodeHeader);

// The payload's text as nlohmann writes it, and as json_text writes the same bytes.
void BM_PayloadTextNlohmannDump(benchmark::State& state) {
  const Fixture f;
  for (auto _ : state) benchmark::DoNotOptimize(f.payment.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}
BENCHMARK(BM_PayloadTextNlohmannDump);

void BM_PayloadTextJsonText(benchmark::State& state) {
  const Fixture f;
  for (auto _ : state) benchmark::DoNotOptimize(x402gw::core::json_text(f.payment.document));
}
BENCHMARK(BM_PayloadTextJsonText);

// Before: a tree of {x402Version, paymentPayload (a copy of the document), paymentRequirements
// (built per request)} dumped whole, and the payload dumped again for its digest.
void BM_FacilitatorBodyAndDigestTree(benchmark::State& state) {
  const Fixture f;
  for (auto _ : state) {
    nlohmann::json body = {{"x402Version", 2}, {"paymentPayload", f.payment.document}, {"paymentRequirements", to_v2_json(f.requirements[0])}};
    benchmark::DoNotOptimize(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    benchmark::DoNotOptimize(x402gw::payment::payload_digest("paid", f.payment.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  }
}
BENCHMARK(BM_FacilitatorBodyAndDigestTree);

// Now: the payload written once, the requirement's text cached, the body concatenated.
void BM_FacilitatorBodyAndDigestFromTexts(benchmark::State& state) {
  const Fixture f;
  for (auto _ : state) {
    const std::string payload = x402gw::core::json_text(f.payment.document);
    benchmark::DoNotOptimize(facilitator_request_body(2, payload, f.requirement_text));
    benchmark::DoNotOptimize(x402gw::payment::payload_digest("paid", payload));
  }
}
BENCHMARK(BM_FacilitatorBodyAndDigestFromTexts);

// The payment's JSON read (issue 23): nlohmann's own parser (before) and core::read_json, which
// builds the same value with Boost.JSON's lexer (now).
void BM_ReadPaymentJsonNlohmann(benchmark::State& state) {
  const Fixture f;
  const std::string text = *base64_decode(f.header);
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(text, nullptr, false));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ReadPaymentJsonNlohmann);

void BM_ReadPaymentJsonBoost(benchmark::State& state) {
  const Fixture f;
  const std::string text = *base64_decode(f.header);
  for (auto _ : state) benchmark::DoNotOptimize(x402gw::core::read_json(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ReadPaymentJsonBoost);

}  // namespace paid_path

}  // namespace
