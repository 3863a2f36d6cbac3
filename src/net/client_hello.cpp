#include "net/client_hello.hpp"

#include "core/strings.hpp"

namespace x402gw::net {

std::optional<std::string> parse_server_name(const unsigned char* data, size_t size) {
  if (!data || size < 2) return std::nullopt;
  const size_t list = (size_t{data[0]} << 8) | data[1];
  if (list + 2 != size) return std::nullopt;
  size_t at = 2;
  while (at + 3 <= size) {
    const unsigned type = data[at];
    const size_t len = (size_t{data[at + 1]} << 8) | data[at + 2];
    at += 3;
    if (at + len > size) return std::nullopt;
    if (type == 0) {  // host_name
      std::string name(reinterpret_cast<const char*>(data + at), len);
      if (name.empty()) return std::nullopt;
      for (char& c : name) {
        if (c == '\0') return std::nullopt;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return name;
    }
    at += len;
  }
  return std::nullopt;
}

std::vector<std::string> parse_alpn(const unsigned char* data, size_t size) {
  std::vector<std::string> out;
  if (!data || size < 2) return out;
  const size_t list = (size_t{data[0]} << 8) | data[1];
  if (list + 2 != size) return out;
  size_t at = 2;
  while (at < size) {
    const size_t len = data[at++];
    if (len == 0 || at + len > size) return {};
    out.emplace_back(reinterpret_cast<const char*>(data + at), len);
    at += len;
  }
  return out;
}

bool name_matches(std::string_view pattern, std::string_view host) {
  if (core::iequals(pattern, host)) return true;
  // A wildcard covers exactly one label, never the bare parent domain.
  if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
    const size_t dot = host.find('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    return core::iequals(pattern.substr(1), host.substr(dot));
  }
  return false;
}

}  // namespace x402gw::net
