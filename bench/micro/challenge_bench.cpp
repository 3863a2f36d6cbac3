// Building one 402 challenge (v1 JSON body + v2 base64 header) from a route's requirements.
#include <benchmark/benchmark.h>

#include "x402/challenge.hpp"
#include "x402/test_requirements.hpp"

namespace {

using namespace x402gw::x402;

void BM_BuildChallenge(benchmark::State& state) {
  const std::vector<Requirement> requirements{testing::base_sepolia_usdc()};
  const ResourceInfo resource = testing::weather();
  for (auto _ : state) {
    Challenge c = build_challenge(requirements, resource, "payment_required");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_BuildChallenge);

}  // namespace
