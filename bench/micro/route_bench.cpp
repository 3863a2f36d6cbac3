// Finding a request's route among N routes: the cost must not grow with N.
#include <benchmark/benchmark.h>

#include <string>

#include "routing/path.hpp"
#include "routing/route_table.hpp"

namespace {

using namespace x402gw::routing;

// N routes of the usual shapes (exact paths, prefixes, a parameter), then a catch-all; the
// request matches the last specific route, the worst place for a scan in file order.
RouteTable table_of(int n) {
  RouteTable table;
  for (int i = 0; i < n; ++i) {
    std::string error;
    std::string text;
    switch (i % 3) {
      case 0: text = "GET /api/v1/service" + std::to_string(i) + "/items"; break;
      case 1: text = "/api/v1/service" + std::to_string(i) + "/*"; break;
      default: text = "POST /api/v1/service" + std::to_string(i) + "/:id/run"; break;
    }
    table.add(*parse_match(text, "", &error));
  }
  std::string error;
  table.add(*parse_match("/*", "", &error));
  return table;
}

void BM_RouteMatch(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const RouteTable table = table_of(n);
  int last = n - 1;
  while (last % 3 != 1) --last;  // the last prefix route
  const std::string key = "/api/v1/service" + std::to_string(last) + "/x/y";
  for (auto _ : state) {
    auto found = table.find("GET", "api.example.com", key);
    benchmark::DoNotOptimize(found);
  }
}
BENCHMARK(BM_RouteMatch)->Arg(10)->Arg(100)->Arg(1000);

void BM_NormaliseTarget(benchmark::State& state) {
  const std::string target = "/api/v1/Service42/./items/../items/7?limit=10&cursor=abc";
  for (auto _ : state) {
    auto t = normalise_target(target);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_NormaliseTarget);

}  // namespace
