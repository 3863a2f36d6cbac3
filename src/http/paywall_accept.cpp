#include "http/paywall_accept.hpp"

#include <optional>
#include <string>

#include "core/strings.hpp"

namespace x402gw::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A qvalue as RFC 9110 writes it ("0", "0.5", "1.000"), in thousandths; nullopt if malformed.
std::optional<int> parse_q(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  int q = (v[0] - '0') * 1000;
  if (v.size() == 1) return q;
  if (v[1] != '.' || v.size() > 5) return std::nullopt;
  int scale = 100;
  for (char c : v.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    q += (c - '0') * scale;
    scale /= 10;
  }
  return q > 1000 ? std::nullopt : std::optional<int>(q);
}

// How one media type fares against the ranges: its q from the most specific range that matches
// (3: type/subtype, 2: type/*, 1: */*), and that specificity (0: no range matched).
struct Rank {
  int q = 0;
  int specificity = 0;
};

void consider(Rank& rank, std::string_view type, std::string_view range, int q) {
  const size_t slash = type.find('/');
  int specificity = 0;
  if (range == "*/*") specificity = 1;
  else if (range.size() == slash + 2 && range.substr(0, slash + 1) == type.substr(0, slash + 1) && range.back() == '*')
    specificity = 2;
  else if (range == type) specificity = 3;
  if (specificity > rank.specificity) rank = Rank{q, specificity};
}

}  // namespace

bool prefers_html(std::string_view accept) {
  Rank html, xhtml, json;
  size_t ranges = 0;
  while (!accept.empty() && ranges++ < 64) {  // a header's size is capped; so is the work here
    const size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    const size_t semi = item.find(';');
    const std::string range = core::to_lower(trim(item.substr(0, semi)));
    if (range.empty() || range.find('/') == std::string::npos) continue;
    int q = 1000;
    bool valid = true;
    for (std::string_view params = semi == std::string_view::npos ? std::string_view{} : item.substr(semi + 1); !params.empty();) {
      const size_t next = params.find(';');
      const std::string_view param = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        const std::optional<int> parsed = parse_q(trim(param.substr(2)));
        valid = parsed.has_value();
        if (parsed) q = *parsed;
      }
    }
    if (!valid) continue;  // a range whose weight cannot be read says nothing
    consider(html, "text/html", range, q);
    consider(xhtml, "application/xhtml+xml", range, q);
    consider(json, "application/json", range, q);
  }
  const Rank& page = xhtml.specificity == 3 && (html.specificity < 3 || xhtml.q > html.q) ? xhtml : html;
  // Named outright: a wildcard (*/*, text/*) is a client's default, not a wish for a page.
  if (page.specificity < 3 || page.q == 0) return false;
  if (page.q > json.q) return true;
  return page.q == json.q && json.specificity < page.specificity;
}

}  // namespace x402gw::http
