// Decoding a client's payment header and matching it against the route's requirements.
#include <benchmark/benchmark.h>

#include "x402/base64.hpp"
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

}  // namespace
