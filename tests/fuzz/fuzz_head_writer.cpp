// libFuzzer target: the hand-written message heads (net/head_writer). Whatever head Beast's
// parser accepts, as a request or as a response, is written again by hand; properties:
//   - the bytes are exactly what Beast's own serializer writes for that header;
//   - parsed again they give the same start line and the same fields, in order, and nothing more
//     (what the gateway forwards reads as what it received);
//   - a response head relayed from its bytes (upstream/response_head) says what the head Beast's
//     message gives with the hop-by-hop fields removed, extra headers set and the client's
//     version and keep-alive applied (the two ways the proxy writes a response head): the same
//     status line, and read back, the same fields with the same values. (Only their order may
//     differ: Beast's container moves a repeated name next to its first occurrence; the relayed
//     head keeps the upstream's order.)
//   - a chunk size line reads back as its size.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http.hpp>

#include "net/head_writer.hpp"
#include "upstream/headers.hpp"
#include "upstream/response_head.hpp"

namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

template <bool isRequest>
bool parse_head(std::string_view bytes, bhttp::parser<isRequest, bhttp::empty_body>& parser, size_t& used) {
  parser.eager(false);
  parser.header_limit(static_cast<uint32_t>(bytes.size() + 1));
  error_code ec;
  used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  return !ec && parser.is_header_done();
}

std::vector<std::pair<std::string, std::string>> fields_of(const bhttp::fields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) out.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return out;
}

template <bool isRequest>
std::string beast_head(const bhttp::header<isRequest>& header) {
  bhttp::message<isRequest, bhttp::empty_body> message(header);
  bhttp::serializer<isRequest, bhttp::empty_body> serializer(message);
  serializer.split(true);
  std::string out;
  error_code ec;
  while (!serializer.is_header_done()) {
    serializer.next(ec, [&](error_code&, const auto& buffers) {
      for (auto b : boost::beast::buffers_range_ref(buffers)) out.append(static_cast<const char*>(b.data()), b.size());
      serializer.consume(boost::asio::buffer_size(buffers));
    });
    if (ec) __builtin_trap();
  }
  return out;
}

template <bool isRequest>
void check(std::string_view bytes) {
  bhttp::parser<isRequest, bhttp::empty_body> first;
  size_t used = 0;
  if (!parse_head(bytes, first, used)) return;
  const auto& header = first.get().base();
  std::string ours;
  if constexpr (isRequest) x402gw::net::append_request_head(ours, header);
  else x402gw::net::append_response_head(ours, header);
  if (ours != beast_head(header)) __builtin_trap();

  bhttp::parser<isRequest, bhttp::empty_body> again;
  size_t used_again = 0;
  if (!parse_head(ours, again, used_again) || used_again != ours.size()) __builtin_trap();
  const auto& reread = again.get();
  if (reread.version() != header.version()) __builtin_trap();
  if constexpr (isRequest) {
    if (reread.method_string() != header.method_string() || reread.target() != header.target()) __builtin_trap();
  } else {
    if (reread.result_int() != header.result_int() || reread.reason() != header.reason()) __builtin_trap();
  }
  if (fields_of(reread) != fields_of(header)) __builtin_trap();
}

// The head a client gets for an upstream response, both ways.
void check_relayed(std::string_view bytes, uint8_t knobs) {
  bhttp::response_parser<bhttp::empty_body> beast;
  size_t used = 0;
  if (!parse_head(bytes, beast, used)) return;
  x402gw::upstream::ResponseHead spans;
  error_code ec;
  const size_t spans_used = spans.parse(bytes.substr(0, used), ec);
  if (ec || !spans.is_header_done() || spans_used != used) __builtin_trap();  // the same parser underneath
  if (!x402gw::upstream::relayable(spans, false)) return;

  const unsigned version = knobs & 1 ? 11 : 10;
  const bool keep_alive = knobs & 2;
  x402gw::core::Headers extra;
  if (knobs & 4) extra.emplace_back("PAYMENT-RESPONSE", "eyJzdWNjZXNzIjp0cnVlfQ==");
  if (knobs & 8) extra.emplace_back("content-type", "text/plain");

  auto res = beast.release();
  x402gw::upstream::remove_hop_by_hop(res);
  for (const auto& [name, value] : extra) res.set(name, value);
  res.version(version);
  res.keep_alive(keep_alive);
  std::string expected;
  x402gw::net::append_response_head(expected, res);
  std::string relayed;
  x402gw::upstream::append_relayed_head(relayed, spans, version, extra, keep_alive);
  if (relayed.substr(0, relayed.find("\r\n")) != expected.substr(0, expected.find("\r\n"))) __builtin_trap();
  bhttp::response_parser<bhttp::empty_body> a, b;
  size_t used_a = 0, used_b = 0;
  if (!parse_head(expected, a, used_a) || !parse_head(relayed, b, used_b)) __builtin_trap();
  if (used_b != relayed.size() || fields_of(a.get()) != fields_of(b.get())) __builtin_trap();
  if (a.get().keep_alive() != keep_alive || b.get().keep_alive() != keep_alive) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check<true>(bytes);
  check<false>(bytes);
  if (size > 0) check_relayed(bytes.substr(1), data[0]);

  size_t n = 0;
  for (size_t i = 0; i < size && i < sizeof n; ++i) n = n << 8 | data[i];
  char line[x402gw::net::kChunkLineMax];
  const size_t length = x402gw::net::chunk_size_line(line, n);
  if (length < 3 || line[length - 2] != '\r' || line[length - 1] != '\n') __builtin_trap();
  if (std::stoull(std::string(line, length - 2), nullptr, 16) != n) __builtin_trap();
  return 0;
}
