// Building one 402 challenge (v1 JSON body + v2 base64 header) from a route's requirements.
#include <benchmark/benchmark.h>

#include "payment/challenge_cache.hpp"
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

namespace {

// What an unpaid request costs in the gateway: the plain challenge comes from the per-thread cache.
void BM_CachedChallenge(benchmark::State& state) {
  x402gw::config::Route route;
  route.requirements = {testing::base_sepolia_usdc()};
  const ResourceInfo resource = testing::weather();
  x402gw::payment::ChallengeCache cache;
  for (auto _ : state) {
    Challenge c = cache.get(1, route, resource);  // a copy, as the reply takes its own
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_CachedChallenge);

}  // namespace
