// The cost of metering an `upto` answer (pricing/meters): the JSON-path meter on a 1 MiB streamed
// (SSE) answer and on 1 MiB plain JSON answers, against the fixed price (the maximum, no meter) and
// against a full DOM parse of the same JSON (what the scanner avoids). Bytes and time meters are
// one multiplication and are shown for scale.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "pricing/meters.hpp"

namespace {

using namespace x402gw::pricing;
using namespace std::chrono_literals;

constexpr size_t kMiB = 1024 * 1024;
constexpr const char* kUsage = R"({"prompt_tokens":25,"completion_tokens":180000,"total_tokens":180025})";

// An OpenAI-style chat completion stream of ~1 MiB: one small chunk event per token, then the
// usage event (stream_options.include_usage) and [DONE].
std::string sse_answer() {
  std::string body;
  body.reserve(kMiB + 512);
  while (body.size() < kMiB)
    body += "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1733550000,\"model\":\"m\","
            "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},\"finish_reason\":null}],\"usage\":null}\n\n";
  body += "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1733550000,\"model\":\"m\","
          "\"choices\":[],\"usage\":";
  body += kUsage;
  body += "}\n\ndata: [DONE]\n\n";
  return body;
}

// A ~1 MiB chat completion: one long message (text with escapes), usage at the end.
std::string text_answer() {
  std::string content;
  while (content.size() < kMiB) content += "A line of generated text, with \\\"quotes\\\" and a newline.\\n";
  return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1733550000,\"model\":\"m\",\"choices\":[{"
         "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content +
         "\"},\"finish_reason\":\"stop\"}],\"usage\":" + kUsage + "}";
}

// A ~1 MiB embeddings answer: arrays of numbers, the scanner's worst case (every byte is looked at).
std::string embeddings_answer() {
  std::string body = "{\"object\":\"list\",\"data\":[";
  int index = 0;
  while (body.size() < kMiB) {
    if (index > 0) body += ',';
    body += "{\"object\":\"embedding\",\"index\":" + std::to_string(index++) + ",\"embedding\":[";
    for (int i = 0; i < 1536; ++i) body += (i ? ",-0.0" : "-0.0") + std::to_string(10000 + (i * 7919) % 89999);
    body += "]}";
  }
  return body + "],\"model\":\"m\",\"usage\":" + kUsage + "}";
}

const Meter kTokens{Meter::Kind::json, 1000, "usage.total_tokens", "2000"};

void check(const Reading& r) {
  if (r.status != Reading::Status::measured || r.amount != "360050") throw std::runtime_error("the meter misread the answer");
}

void BM_FixedPrice(benchmark::State& state) {
  // A fixed price (or an upto route without a meter) settles the maximum: a copy of its amount.
  const std::string maximum = "500000";
  for (auto _ : state) {
    std::string amount = maximum;
    benchmark::DoNotOptimize(amount);
  }
}
BENCHMARK(BM_FixedPrice);

void BM_JsonMeter(benchmark::State& state, std::string (*make)(), const char* content_type) {
  const std::string body = make();
  check(read(kTokens, MeteredAnswer{body, content_type, 0us}));
  for (auto _ : state) {
    Reading r = read(kTokens, MeteredAnswer{body, content_type, 0us});
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK_CAPTURE(BM_JsonMeter, sse_1MiB, sse_answer, "text/event-stream")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_JsonMeter, plain_text_1MiB, text_answer, "application/json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_JsonMeter, plain_embeddings_1MiB, embeddings_answer, "application/json")->Unit(benchmark::kMicrosecond);

void BM_DomParse(benchmark::State& state, std::string (*make)()) {
  const std::string body = make();
  for (auto _ : state) {
    auto doc = nlohmann::json::parse(body);
    benchmark::DoNotOptimize(doc["usage"]["total_tokens"].get<uint64_t>());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK_CAPTURE(BM_DomParse, plain_text_1MiB, text_answer)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_DomParse, plain_embeddings_1MiB, embeddings_answer)->Unit(benchmark::kMicrosecond);

void BM_BytesMeter(benchmark::State& state) {
  const std::string body(kMiB, 'x');
  const Meter meter{Meter::Kind::bytes, 1024, "", "100"};
  for (auto _ : state) {
    Reading r = read(meter, MeteredAnswer{body, "application/octet-stream", 0us});
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_BytesMeter);

}  // namespace
