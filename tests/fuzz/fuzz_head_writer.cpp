// libFuzzer target: the hand-written message heads (net/head_writer). Whatever head Beast's
// parser accepts, as a request or as a response, is written again by hand; properties:
//   - the bytes are exactly what Beast's own serializer writes for that header;
//   - parsed again they give the same start line and the same fields, in order, and nothing more
//     (what the gateway forwards reads as what it received);
//   - a chunk size line reads back as its size.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http.hpp>

#include "net/head_writer.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check<true>(bytes);
  check<false>(bytes);

  size_t n = 0;
  for (size_t i = 0; i < size && i < sizeof n; ++i) n = n << 8 | data[i];
  char line[x402gw::net::kChunkLineMax];
  const size_t length = x402gw::net::chunk_size_line(line, n);
  if (length < 3 || line[length - 2] != '\r' || line[length - 1] != '\n') __builtin_trap();
  if (std::stoull(std::string(line, length - 2), nullptr, 16) != n) __builtin_trap();
  return 0;
}
