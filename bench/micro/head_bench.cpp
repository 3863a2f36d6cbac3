// Writing message heads: by hand into one string (net/head_writer, what the proxy does) against
// Beast's serializer (what it did before), and a whole 402 challenge reply rendered to bytes.
#include <benchmark/benchmark.h>

#include <boost/beast/http.hpp>

#include "http/replies.hpp"
#include "net/head_writer.hpp"
#include "upstream/headers.hpp"
#include "upstream/response_head.hpp"

namespace {

namespace bhttp = boost::beast::http;

// A forwarded request as the proxy sends it upstream.
bhttp::request<bhttp::empty_body> forwarded_request() {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/api/weather?city=Lisbon", 11};
  req.set(bhttp::field::host, "127.0.0.1:8080");
  req.set(bhttp::field::user_agent, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36");
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::accept_encoding, "gzip, deflate, br");
  req.set("X-Forwarded-For", "203.0.113.7");
  req.set("X-Forwarded-Proto", "https");
  req.set("X-Forwarded-Host", "api.example.com");
  return req;
}

bhttp::response<bhttp::empty_body> upstream_response() {
  bhttp::response<bhttp::empty_body> res{bhttp::status::ok, 11};
  res.set(bhttp::field::server, "nginx/1.22.1");
  res.set(bhttp::field::date, "Sun, 22 Nov 2026 10:00:00 GMT");
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::content_length, "101");
  res.set(bhttp::field::last_modified, "Sun, 22 Nov 2026 09:00:00 GMT");
  res.set(bhttp::field::etag, "\"65a1-65\"");
  res.set(bhttp::field::accept_ranges, "bytes");
  return res;
}

template <bool isRequest>
std::string serialize_with_beast(const bhttp::message<isRequest, bhttp::empty_body>& message) {
  bhttp::serializer<isRequest, bhttp::empty_body> serializer(message);
  serializer.split(true);
  std::string out;
  boost::system::error_code ec;
  while (!serializer.is_header_done()) {
    serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      for (auto b : boost::beast::buffers_range_ref(buffers)) out.append(static_cast<const char*>(b.data()), b.size());
      serializer.consume(boost::asio::buffer_size(buffers));
    });
  }
  return out;
}

void BM_RequestHeadByHand(benchmark::State& state) {
  const auto req = forwarded_request();
  for (auto _ : state) {
    std::string head;
    x402gw::net::append_request_head(head, req);
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_RequestHeadByHand);

void BM_RequestHeadBeastSerializer(benchmark::State& state) {
  const auto req = forwarded_request();
  for (auto _ : state) benchmark::DoNotOptimize(serialize_with_beast(req));
}
BENCHMARK(BM_RequestHeadBeastSerializer);

void BM_ResponseHeadByHand(benchmark::State& state) {
  const auto res = upstream_response();
  for (auto _ : state) {
    std::string head;
    x402gw::net::append_response_head(head, res);
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_ResponseHeadByHand);

void BM_ResponseHeadBeastSerializer(benchmark::State& state) {
  const auto res = upstream_response();
  for (auto _ : state) benchmark::DoNotOptimize(serialize_with_beast(res));
}
BENCHMARK(BM_ResponseHeadBeastSerializer);

const std::string kUpstreamHead =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 22 Nov 2026 10:00:00 GMT\r\nContent-Type: application/json\r\n"
    "Content-Length: 101\r\nLast-Modified: Sun, 22 Nov 2026 09:00:00 GMT\r\nConnection: keep-alive\r\n"
    "ETag: \"65a1-65\"\r\nAccept-Ranges: bytes\r\n\r\n";

// An upstream's response head to the head the client gets: parsed in place and written from its
// bytes (what the proxy does for a final answer of known length) ...
void BM_RelayHeadInPlace(benchmark::State& state) {
  for (auto _ : state) {
    x402gw::upstream::ResponseHead head;
    boost::system::error_code ec;
    head.parse(kUpstreamHead, ec);
    std::string out;
    x402gw::upstream::append_relayed_head(out, head, 11, {}, true);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_RelayHeadInPlace);

// ... and through Beast's message (parsed into its field container, hop-by-hop fields erased).
void BM_RelayHeadThroughBeast(benchmark::State& state) {
  for (auto _ : state) {
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.eager(false);
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(kUpstreamHead), ec);
    auto& res = parser.get();
    x402gw::upstream::remove_hop_by_hop(res);
    res.keep_alive(true);
    std::string out;
    x402gw::net::append_response_head(out, res);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_RelayHeadThroughBeast);

// The 402 an unpaid request gets, from a cached challenge to the bytes written.
void BM_ChallengeReplyBytes(benchmark::State& state) {
  const x402gw::core::Reply reply = x402gw::core::ChallengeReply{std::string(479, 'x'), std::string(640, 'e'), "payment_required", {}};
  for (auto _ : state) {
    auto wire = x402gw::http::render(reply, 11, true, false);
    benchmark::DoNotOptimize(wire);
  }
}
BENCHMARK(BM_ChallengeReplyBytes);

}  // namespace
