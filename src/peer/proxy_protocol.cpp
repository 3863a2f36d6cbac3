#include "peer/proxy_protocol.hpp"

#include <charconv>
#include <cstring>

namespace x402gw::peer {
namespace {

constexpr std::string_view v1_signature = "PROXY ";
constexpr std::string_view v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};

ProxyParse invalid(std::string reason, std::string error) {
  ProxyParse p;
  p.status = ProxyParse::Status::invalid;
  p.reason = std::move(reason);
  p.error = std::move(error);
  return p;
}

// Whether `bytes` is a prefix of `signature` or starts with it.
bool agrees(std::string_view bytes, std::string_view signature) {
  const size_t n = std::min(bytes.size(), signature.size());
  return bytes.substr(0, n) == signature.substr(0, n);
}

std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

ProxyParse parse_v1(std::string_view bytes) {
  const size_t lf = bytes.find('\n');
  if (lf == std::string_view::npos) {
    if (bytes.size() >= proxy_v1_max_size) return invalid("v1_too_long", "PROXY v1 header longer than 107 bytes");
    return {};
  }
  if (lf + 1 > proxy_v1_max_size) return invalid("v1_too_long", "PROXY v1 header longer than 107 bytes");
  if (lf == 0 || bytes[lf - 1] != '\r') return invalid("v1_syntax", "PROXY v1 header does not end in CRLF");
  std::string_view line = bytes.substr(v1_signature.size(), lf - 1 - v1_signature.size());
  ProxyParse p;
  p.status = ProxyParse::Status::complete;
  p.size = lf + 1;
  p.header.version = 1;
  // UNKNOWN: the balancer could not tell who the client is (whatever follows on the line is
  // ignored). The connection is still relayed: it is not the balancer's own.
  if (line == "UNKNOWN" || line.starts_with("UNKNOWN ")) return p;
  std::string_view fields[5];
  size_t count = 0;
  while (count < 5) {
    const size_t space = line.find(' ');
    fields[count++] = line.substr(0, space);
    if (space == std::string_view::npos) {
      line = {};
      break;
    }
    line.remove_prefix(space + 1);
  }
  if (count != 5 || !line.empty()) return invalid("v1_syntax", "PROXY v1 header does not have five fields");
  const bool v4 = fields[0] == "TCP4";
  if (!v4 && fields[0] != "TCP6") return invalid("v1_syntax", "PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN");
  for (int i = 1; i <= 2; ++i) {
    // TCP4 takes dotted quads only; TCP6 takes IPv6 text only (IPv4-mapped is still IPv6 text).
    const bool is_v6_text = fields[i].find(':') != std::string_view::npos;
    auto address = parse_ip(fields[i]);
    if (!address || is_v6_text == v4) return invalid("v1_address", "PROXY v1 address is not a " + std::string(fields[0]) + " address");
    (i == 1 ? p.header.source : p.header.destination) = *address;
  }
  auto source_port = parse_port(fields[3]);
  auto destination_port = parse_port(fields[4]);
  if (!source_port || !destination_port) return invalid("v1_syntax", "PROXY v1 port is not 0..65535");
  p.header.source_port = *source_port;
  p.header.destination_port = *destination_port;
  return p;
}

ProxyParse parse_v2(std::string_view bytes) {
  if (bytes.size() < 16) return {};
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  if ((b[12] >> 4) != 2) return invalid("v2_version", "PROXY v2 version nibble is not 2");
  const unsigned command = b[12] & 0x0f;
  if (command > 1) return invalid("v2_command", "PROXY v2 command is neither LOCAL nor PROXY");
  const size_t length = (size_t{b[14]} << 8) | b[15];
  if (16 + length > proxy_v2_max_size) return invalid("v2_too_long", "PROXY v2 header longer than the 2KiB accepted");
  if (bytes.size() < 16 + length) return {};
  const unsigned family = b[13] >> 4, transport = b[13] & 0x0f;
  if (family > 3 || transport > 2) return invalid("v2_family", "PROXY v2 address family or transport is unknown");
  ProxyParse p;
  p.status = ProxyParse::Status::complete;
  p.size = 16 + length;
  p.header.version = 2;
  p.header.local = command == 0;
  // LOCAL: the balancer's own connection; its address block, if any, is ignored.
  if (p.header.local) return p;
  const size_t address_size = family == 1 ? 4 : family == 2 ? 16 : 0;
  // AF_UNSPEC and AF_UNIX, or a datagram transport: nothing a TCP peer address can hold.
  if (address_size == 0 || transport != 1) return p;
  if (length < 2 * address_size + 4) return invalid("v2_length", "PROXY v2 address block is shorter than its family needs");
  const uint8_t* a = b + 16;
  p.header.source = ip_from_bytes(a, address_size);
  p.header.destination = ip_from_bytes(a + address_size, address_size);
  p.header.source_port = static_cast<uint16_t>((a[2 * address_size] << 8) | a[2 * address_size + 1]);
  p.header.destination_port = static_cast<uint16_t>((a[2 * address_size + 2] << 8) | a[2 * address_size + 3]);
  return p;
}

}  // namespace

ProxyParse parse_proxy_header(std::string_view bytes) {
  if (bytes.empty()) return {};
  if (agrees(bytes, v2_signature)) return bytes.size() < v2_signature.size() ? ProxyParse{} : parse_v2(bytes);
  if (agrees(bytes, v1_signature)) return bytes.size() < v1_signature.size() ? ProxyParse{} : parse_v1(bytes);
  return invalid("signature", "the connection does not start with a PROXY protocol header");
}

std::optional<IpAddress> client_after(const ProxyHeader& header, const IpAddress& peer) {
  if (header.local) return peer;
  return header.source;
}

}  // namespace x402gw::peer
