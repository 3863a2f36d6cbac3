// A client's request head: parsed in place (net/request_head) against Beast's request_parser with
// its field container (what the session does today), each followed by the reads the free path
// makes of it (the header checks, routing's method/target/Host, keep-alive, Expect).
#include <benchmark/benchmark.h>

#include <boost/beast/http.hpp>
#include <string>

#include "net/request_head.hpp"

namespace {

namespace bhttp = boost::beast::http;

// What curl or a service client sends to an API behind the gateway.
const std::string kRequest =
    "GET /api/weather?city=Lisbon HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: curl/8.5.0\r\n"
    "Accept: application/json\r\nAccept-Encoding: gzip, deflate, br\r\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x\r\n"
    "X-Request-Id: 5b7c1e0a-8f3d-4c2b-9a6e-2d1f0b3c4e5f\r\nCache-Control: no-cache\r\n\r\n";

// The reads the session makes of every request (read_request_header, serve_request).
template <class Count, class Value>
size_t free_path_reads(Count&& count, Value&& value, std::string_view method, std::string_view target, unsigned version,
                       bool keep_alive) {
  size_t sink = method.size() + target.size() + version + keep_alive;
  sink += count(bhttp::field::content_length) + count(bhttp::field::transfer_encoding) + count(bhttp::field::host);
  sink += count("PAYMENT-SIGNATURE") + count("X-PAYMENT");
  sink += value(bhttp::field::expect).size() + value(bhttp::field::host).size();
  return sink;
}

void BM_RequestHeadInPlace(benchmark::State& state) {
  for (auto _ : state) {
    x402gw::net::RequestHead head;
    head.header_limit(8192);
    boost::system::error_code ec;
    head.parse(kRequest, ec);
    const size_t fields = head.field_count();
    size_t sink = free_path_reads([&](auto f) { return head.count(f); }, [&](auto f) { return head.value(f); }, head.method_string(),
                                  head.target(), head.version(), head.keep_alive());
    benchmark::DoNotOptimize(sink + fields);
  }
}
BENCHMARK(BM_RequestHeadInPlace);

void BM_RequestHeadBeastParser(benchmark::State& state) {
  for (auto _ : state) {
    bhttp::request_parser<bhttp::buffer_body> parser;
    parser.header_limit(8192);
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(kRequest), ec);
    const auto& req = parser.get();
    const size_t fields = static_cast<size_t>(std::distance(req.begin(), req.end()));
    auto count = [&](auto f) {
      const auto range = req.equal_range(f);
      return static_cast<size_t>(std::distance(range.first, range.second));
    };
    size_t sink = free_path_reads(count, [&](auto f) { return std::string_view(req[f]); }, req.method_string(), req.target(),
                                  req.version(), req.keep_alive());
    benchmark::DoNotOptimize(sink + fields);
  }
}
BENCHMARK(BM_RequestHeadBeastParser);

}  // namespace
