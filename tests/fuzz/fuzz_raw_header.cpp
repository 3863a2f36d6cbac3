// libFuzzer target: the raw request-header checks the session runs before and after Beast parses
// a header (header_end, obsolete line folding, framing), and the pure routing decision on
// whatever Beast accepts. Properties: nothing throws, the header end found lies within the
// input, and a header that is refused for folding really contains a folded line.
#include <cstdint>
#include <string>

#include <boost/beast/http.hpp>

#include "config/loader.hpp"
#include "http/request_checks.hpp"
#include "net/request_head.hpp"
#include "routing/decision.hpp"

namespace bhttp = boost::beast::http;

namespace {
const x402gw::config::Config& config() {
  static const auto loaded = x402gw::config::load_config_text(R"(
listen: "127.0.0.1:0"
upstreams: { api: { url: "http://127.0.0.1:9" } }
facilitators: { f: { url: "http://127.0.0.1:9" } }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia }
routes:
  - { match: "GET /priced/*", price: "$0.01", host: paid.example }
  - { match: "/*" }
)",
                                                               "fuzz", [](const std::string&) { return std::nullopt; });
  if (!loaded.config) __builtin_trap();
  return *loaded.config;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t end = x402gw::http::header_end(bytes);
  if (end != std::string_view::npos && end > bytes.size()) __builtin_trap();
  const std::string_view header = end == std::string_view::npos ? bytes : bytes.substr(0, end);
  const bool folded = x402gw::http::has_obsolete_line_folding(header);
  if (folded && header.find("\r\n ") == std::string_view::npos && header.find("\r\n\t") == std::string_view::npos)
    __builtin_trap();

  // As the session parses it: in place (net/request_head).
  x402gw::net::RequestHead req;
  boost::system::error_code ec;
  req.parse(header, ec);
  if (ec || !req.is_header_done()) return 0;
  (void)x402gw::http::framing_problem(req.fields(), req.version());
  (void)x402gw::http::duplicate_payment_header(req.fields());
  const x402gw::routing::RequestHead head{req.method_string(), req.target(), req.value(bhttp::field::host), req.version()};
  const auto decision = x402gw::routing::decide(head, config());
  // A priced route is only ever decided for its own host.
  if (decision.kind == x402gw::routing::Decision::Kind::paid && decision.host.rfind("paid.example", 0) != 0) __builtin_trap();
  return 0;
}
