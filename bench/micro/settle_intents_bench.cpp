// What the write-ahead record of a /settle costs every paid request: record() (the intent line
// built and written with one write()) and done() (one short write()), on the file system of the
// temp directory, with rotation and unlinking of 4 MiB segments included. No fsync: see
// src/payment/settle_intents.hpp for what that means for durability.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "payment/settle_intents.hpp"

namespace {

using namespace x402gw;

payment::UnknownSettlement sample() {
  // A /settle body of a realistic size: an EVM payload and its requirement, about 1.5 KB.
  return payment::UnknownSettlement{"evm:eip155:84532:0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc:0x" + std::string(64, 'a'),
                                    "default", "GET /api/weather", "eip155:84532", std::string(1500, 'x'),
                                    std::string(64, 'd'), 1'800'000'000, 1'700'000'000};
}

void BM_SettleIntentRecordAndDone(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("x402gw-intents-bench-" + std::to_string(::getpid()));
  {
    payment::SettleIntents intents(dir.string());
    const payment::UnknownSettlement u = sample();
    for (auto _ : state) intents.done(intents.record(u));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(payment::unknown_line(u).size()));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SettleIntentRecordAndDone)->UseRealTime();

// The line alone (JSON escaping of the body), to tell the encoding from the two write() calls.
void BM_SettleIntentLine(benchmark::State& state) {
  const payment::UnknownSettlement u = sample();
  for (auto _ : state) benchmark::DoNotOptimize(payment::unknown_line(u));
}
BENCHMARK(BM_SettleIntentLine);

}  // namespace
