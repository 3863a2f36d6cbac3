// libFuzzer target: the PROXY protocol v1/v2 decoder. Properties: a complete header lies within
// the input and its size limits, decodes the same from its own bytes alone, and is incomplete one
// byte short; an invalid input stays invalid whatever follows it; an incomplete one is shorter
// than the longest header accepted (so a reader's buffer is bounded); only a LOCAL header leaves
// the balancer as the client.
#include <cstdint>
#include <string>

#include "peer/proxy_protocol.hpp"

using x402gw::peer::parse_proxy_header;
using Status = x402gw::peer::ProxyParse::Status;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto p = parse_proxy_header(input);
  switch (p.status) {
    case Status::complete: {
      if (p.size == 0 || p.size > size) __builtin_trap();
      if (p.header.version == 1 && p.size > x402gw::peer::proxy_v1_max_size) __builtin_trap();
      if (p.header.version == 2 && p.size > x402gw::peer::proxy_v2_max_size) __builtin_trap();
      const auto alone = parse_proxy_header(input.substr(0, p.size));
      if (alone.status != Status::complete || alone.size != p.size || alone.header.source != p.header.source ||
          alone.header.source_port != p.header.source_port || alone.header.local != p.header.local)
        __builtin_trap();
      if (parse_proxy_header(input.substr(0, p.size - 1)).status != Status::incomplete) __builtin_trap();
      if (p.header.source && p.header.source->to_string().empty()) __builtin_trap();
      {
        // Only LOCAL leaves the balancer as the client: a relayed connection without a source is
        // unknown, never given the balancer's trust.
        const auto balancer = *x402gw::peer::parse_ip("10.0.0.1");
        const auto client = x402gw::peer::client_after(p.header, balancer);
        if (p.header.local ? client != balancer : client != p.header.source) __builtin_trap();
      }
      break;
    }
    case Status::invalid:
      if (p.reason.empty() || p.error.empty()) __builtin_trap();
      if (parse_proxy_header(input + "\r\n").status != Status::invalid) __builtin_trap();
      break;
    case Status::incomplete:
      if (size >= x402gw::peer::proxy_v2_max_size) __builtin_trap();
      break;
  }
  return 0;
}
