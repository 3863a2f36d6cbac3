#include "routing/host.hpp"

#include <array>

namespace x402gw::routing {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 1-65535 in decimal digits only: no sign, no space, no empty port.
std::optional<uint16_t> parse_port(std::string_view s) {
  if (!all_digits(s) || s.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : s) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

// Strict dotted quad: four decimal parts 0-255 without leading zeros ("010" is octal to some).
std::optional<std::array<uint8_t, 4>> parse_ipv4(std::string_view s) {
  std::array<uint8_t, 4> out{};
  for (size_t i = 0; i < 4; ++i) {
    size_t dot = i < 3 ? s.find('.') : s.size();
    if (dot == std::string_view::npos) return std::nullopt;
    std::string_view part = s.substr(0, dot);
    if (!all_digits(part) || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return std::nullopt;
    unsigned value = 0;
    for (char c : part) value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 255) return std::nullopt;
    out[i] = static_cast<uint8_t>(value);
    s.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  return out;
}

// Hex groups separated by ':' ("" gives none); an IPv4 tail counts as two groups when allowed.
bool parse_groups(std::string_view s, bool ipv4_tail, std::array<uint16_t, 8>& groups, size_t& count) {
  while (!s.empty()) {
    size_t colon = s.find(':');
    std::string_view part = s.substr(0, colon);
    if (colon == std::string_view::npos && ipv4_tail && part.find('.') != std::string_view::npos) {
      auto v4 = parse_ipv4(part);
      if (!v4 || count + 2 > groups.size()) return false;
      groups[count++] = static_cast<uint16_t>((*v4)[0] << 8 | (*v4)[1]);
      groups[count++] = static_cast<uint16_t>((*v4)[2] << 8 | (*v4)[3]);
      return true;
    }
    if (part.empty() || part.size() > 4 || count == groups.size()) return false;
    unsigned value = 0;
    for (char c : part) {
      int h = hex_value(c);
      if (h < 0) return false;
      value = value * 16 + static_cast<unsigned>(h);
    }
    groups[count++] = static_cast<uint16_t>(value);
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
    if (s.empty()) return false;  // a trailing single ':'
  }
  return true;
}

// RFC 5952: lower-case hex without leading zeros, the longest run of two or more zero groups
// (the first of equals) written "::". One spelling per address.
std::string format_ipv6(const std::array<uint16_t, 8>& g) {
  size_t best = g.size(), best_len = 1;
  for (size_t i = 0; i < g.size();) {
    size_t j = i;
    while (j < g.size() && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "[";
  for (size_t i = 0; i < g.size(); ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (out.back() != '[' && out.back() != ':') out += ':';
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned digit = (g[i] >> shift) & 15;
      if (digit == 0 && !started && shift > 0) continue;
      out += kHex[digit];
      started = true;
    }
  }
  return out + "]";
}

// The inside of "[...]": no zone ("%25eth0") and no IPvFuture ("v1.x").
std::optional<std::string> parse_ipv6(std::string_view s) {
  std::array<uint16_t, 8> head{}, tail{};
  size_t head_count = 0, tail_count = 0;
  size_t gap = s.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_groups(s, true, head, head_count) || head_count != 8) return std::nullopt;
    return format_ipv6(head);
  }
  std::string_view before = s.substr(0, gap), after = s.substr(gap + 2);
  if (after.find("::") != std::string_view::npos || (!after.empty() && after.front() == ':')) return std::nullopt;
  if (!parse_groups(before, false, head, head_count) || !parse_groups(after, true, tail, tail_count))
    return std::nullopt;
  if (head_count + tail_count > 7) return std::nullopt;  // "::" stands for at least one zero group
  std::array<uint16_t, 8> all{};
  for (size_t i = 0; i < head_count; ++i) all[i] = head[i];
  for (size_t i = 0; i < tail_count; ++i) all[8 - tail_count + i] = tail[i];
  return format_ipv6(all);
}

// A registered name, or a dotted quad when the last label is a number (a name ending in a number
// is an IPv4 address to URL parsers: "1.2.3" and "0x7f.1" are refused rather than guessed at).
std::optional<std::string> parse_name(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);  // the root label: same host
  if (s.empty()) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  size_t label_start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (i == label_start) return std::nullopt;  // "x..y", ".x"
      label_start = i + 1;
      if (i < s.size()) out += '.';
      continue;
    }
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    // RFC 3986 unreserved characters only (no sub-delims, no percent-encoding), ASCII whatever the locale.
    if (!letter && !is_digit(c) && c != '-' && c != '_' && c != '~') return std::nullopt;
    out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view last = std::string_view(out).substr(out.rfind('.') + 1);  // npos + 1 == 0
  bool numeric = all_digits(last);
  if (last.size() >= 2 && last.substr(0, 2) == "0x") {
    numeric = true;
    for (char c : last.substr(2)) numeric = numeric && hex_value(c) >= 0;
  }
  if (numeric && !parse_ipv4(out)) return std::nullopt;
  return out;
}

}  // namespace

std::optional<Authority> parse_authority(std::string_view text) {
  std::string_view host = text, port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(0, close + 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
  } else if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_port = true;
  }
  if (host.empty() || host.size() > kMaxHostBytes) return std::nullopt;

  Authority a;
  if (has_port && !(a.port = parse_port(port))) return std::nullopt;
  auto canonical = host.front() == '[' ? parse_ipv6(host.substr(1, host.size() - 2)) : parse_name(host);
  if (!canonical) return std::nullopt;
  a.host = std::move(*canonical);
  return a;
}

}  // namespace x402gw::routing
