// Exact decimal money: a price text to atomic units, and back for display.
#include <benchmark/benchmark.h>

#include "x402/money.hpp"

namespace {

using namespace x402gw::x402;

void BM_ToAtomicUnits(benchmark::State& state, const char* decimal, int decimals) {
  for (auto _ : state) {
    auto units = to_atomic_units(decimal, decimals);
    benchmark::DoNotOptimize(units);
  }
}
BENCHMARK_CAPTURE(BM_ToAtomicUnits, usdc_6_decimals, "0.012345", 6);
BENCHMARK_CAPTURE(BM_ToAtomicUnits, eth_18_decimals, "1234.000000000000000001", 18);

void BM_AddAtomic(benchmark::State& state) {
  for (auto _ : state) {
    auto sum = add_atomic("123456789012345678901234567890", "987654321098765432109876543210");
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_AddAtomic);

void BM_FormatUnits(benchmark::State& state) {
  for (auto _ : state) {
    auto text = format_units("12345", 6);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_FormatUnits);

}  // namespace
