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

// A v2 /settle body's shape: JSON text, so its quotes are escaped in the line.
std::string realistic_body() {
  std::string body = R"({"paymentPayload":{"accepted":{"amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","network":"eip155:84532","payTo":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","scheme":"exact"},"payload":{"authorization":{"from":"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC","nonce":"0x)" +
                     std::string(64, 'b') + R"(","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","validAfter":"0","validBefore":"1800000000","value":"10000"},"signature":"0x)" +
                     std::string(130, 'a') + R"("},"x402Version":2},"paymentRequirements":{"amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","extra":{"name":"USDC","version":"2"},"maxTimeoutSeconds":60,"network":"eip155:84532","payTo":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","scheme":"exact"},"x402Version":2})";
  return body;
}

payment::UnknownSettlement sample() {
    return payment::UnknownSettlement{"evm:eip155:84532:0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc:0x" + std::string(64, 'a'),
                                    "default", "GET /api/weather", "eip155:84532", realistic_body(),
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

// The line alone, to tell the encoding from the two write() calls: written by hand, and as the
// journal writes it through nlohmann (the same bytes).
void BM_SettleIntentLine(benchmark::State& state) {
  const payment::UnknownSettlement u = sample();
  for (auto _ : state) benchmark::DoNotOptimize(payment::intent_line(u));
}
BENCHMARK(BM_SettleIntentLine);

void BM_JournalUnknownLine(benchmark::State& state) {
  const payment::UnknownSettlement u = sample();
  for (auto _ : state) benchmark::DoNotOptimize(payment::unknown_line(u));
}
BENCHMARK(BM_JournalUnknownLine);

}  // namespace
