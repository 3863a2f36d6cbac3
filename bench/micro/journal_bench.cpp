// What an unknown settlement outcome costs the worker thread that records it: one journal line
// written and fdatasync'ed (on the file system of the temp directory; a real state.dir's disk may
// be slower or faster), and the digest of a payload that every paid request computes.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <unistd.h>

#include "payment/settled_marker.hpp"
#include "payment/settlement_journal.hpp"

namespace {

using namespace x402gw;

payment::UnknownSettlement sample() {
  return payment::UnknownSettlement{"evm:eip155:84532:0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc:0x" + std::string(64, 'a'),
                                    "default", "GET /api/weather", "eip155:84532", std::string(1500, 'x'),
                                    std::string(64, 'd'), 1'800'000'000, 1'700'000'000};
}

void BM_JournalAppendWithFsync(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("x402gw-journal-bench-" + std::to_string(::getpid()));
  {
    payment::JournalContents loaded;
    payment::SettlementJournal journal(dir.string(), loaded);
    const std::string line = payment::unknown_line(sample());
    for (auto _ : state) benchmark::DoNotOptimize(journal.append(line));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalAppendWithFsync)->UseRealTime();

void BM_PayloadDigest(benchmark::State& state) {
  x402::PaymentPayload p;
  p.document = nlohmann::json::parse(R"({"x402Version":2,"payload":{"signature":"0x)" + std::string(130, 'a') +
                                     R"(","authorization":{"from":"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"10000","validAfter":"0","validBefore":"1800000000","nonce":"0x)" +
                                     std::string(64, 'b') + R"("}},"accepted":{"scheme":"exact","network":"eip155:84532"}})");
  for (auto _ : state) benchmark::DoNotOptimize(payment::payload_digest("GET /api/weather", p));
}
BENCHMARK(BM_PayloadDigest);

}  // namespace
