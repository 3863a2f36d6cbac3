#include "pricing/price_rule.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace x402gw::pricing {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte. A malformed escape is
// kept as it is (the value then matches no table entry).
std::string form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A number as the table names it: by its value, not its spelling. 4, 4.0, 4e0 and 40e-1 are one
// number to the upstream, so they are one table entry ("4"); an integral float within int64 is
// written as an integer, and -0 as 0. Other floats keep JSON's shortest round-trip form.
std::string number_text(const nlohmann::json& n) {
  if (n.is_number_float()) {
    const double v = n.get<double>();
    if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9.2e18) return std::to_string(static_cast<int64_t>(v));
  }
  return n.dump();
}

}  // namespace

std::string_view source_name(Source s) noexcept {
  switch (s) {
    case Source::body: return "body";
    case Source::query: return "query";
    case Source::header: return "header";
    case Source::path: return "path";
  }
  return "?";
}

const std::string* PriceRule::amount_for(std::string_view value) const {
  for (const auto& [key, amount] : table)
    if (key == value) return &amount;
  return fallback ? &*fallback : nullptr;
}

std::optional<std::string> query_value(std::string_view query, std::string_view name, bool* duplicate) {
  if (duplicate) *duplicate = false;
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  std::optional<std::string> found;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (form_decode(pair.substr(0, eq)) != name) continue;
    if (found) {
      if (duplicate) *duplicate = true;
      return found;
    }
    found = eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1));
  }
  return found;
}

std::vector<std::string> query_values(std::string_view query, std::string_view name) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  std::vector<std::string> values;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (form_decode(pair.substr(0, eq)) != name) continue;
    values.push_back(eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1)));
  }
  return values;
}

std::optional<std::string_view> path_segment(std::string_view match_key, size_t index) {
  if (match_key.empty() || match_key.front() != '/') return std::nullopt;
  match_key.remove_prefix(1);
  for (size_t i = 0;; ++i) {
    const size_t slash = match_key.find('/');
    if (i == index) return match_key.substr(0, slash);
    if (slash == std::string_view::npos) return std::nullopt;
    match_key.remove_prefix(slash + 1);
  }
}

std::optional<std::string> body_value(std::string_view body, std::string_view field, std::string* why) {
  // A key given twice is refused: JSON parsers differ on which one wins, and the upstream's must
  // not read another value than the one priced.
  bool duplicate = false;
  std::vector<std::set<std::string>> keys;
  auto watch = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::object_start) keys.emplace_back();
    else if (event == nlohmann::json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    else if (event == nlohmann::json::parse_event_t::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
      duplicate = true;
    return true;
  };
  nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), watch, false);
  if (doc.is_discarded()) {
    *why = "the request body is not JSON";
    return std::nullopt;
  }
  if (duplicate) {
    *why = std::string(kDuplicateJsonKey);
    return std::nullopt;
  }
  const nlohmann::json* at = &doc;
  std::string_view rest = field;
  while (true) {
    const size_t dot = rest.find('.');
    const std::string key(rest.substr(0, dot));
    if (!at->is_object() || !at->contains(key)) {
      *why = "the request body has no field '" + std::string(field) + "'";
      return std::nullopt;
    }
    at = &(*at)[key];
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number()) return number_text(*at);
  *why = "the request body's field '" + std::string(field) + "' is neither a string nor a number";
  return std::nullopt;
}

std::variant<std::string, PriceRefusal> evaluate(const PriceRule& rule, const RequestFacts& facts) {
  using Kind = PriceRefusal::Kind;
  auto unpriceable = [](std::string message) { return PriceRefusal{Kind::unpriceable, std::move(message)}; };
  std::string value;
  switch (rule.source) {
    case Source::body: {
      std::string why;
      const std::string empty;
      auto v = body_value(facts.body ? *facts.body : empty, rule.name, &why);
      if (!v) return unpriceable(why);
      value = std::move(*v);
      break;
    }
    case Source::query: {
      bool duplicate = false;
      auto v = query_value(facts.query, rule.name, &duplicate);
      if (duplicate) return unpriceable("the query parameter '" + rule.name + "' is given more than once");
      if (!v) return unpriceable("this route is priced by the query parameter '" + rule.name + "', which the request lacks");
      value = std::move(*v);
      break;
    }
    case Source::header: {
      std::vector<std::string_view> values = facts.header ? facts.header(rule.name) : std::vector<std::string_view>{};
      if (values.size() > 1) return unpriceable("the header '" + rule.name + "' is given more than once");
      if (values.empty()) return unpriceable("this route is priced by the header '" + rule.name + "', which the request lacks");
      value = std::string(values.front());
      break;
    }
    case Source::path: {
      auto v = path_segment(facts.match_key, rule.path_segment);
      if (!v || v->empty()) return unpriceable("the path has no parameter '" + rule.name + "'");
      value = std::string(*v);
      break;
    }
  }
  if (const std::string* amount = rule.amount_for(value)) return *amount;
  std::string shown = value.size() > 64 ? value.substr(0, 64) + "..." : value;
  return PriceRefusal{Kind::not_in_table, "no price for " + std::string(source_name(rule.source)) + " '" + rule.name + "' = '" +
                                              shown + "' on this route, and it has no default"};
}

}  // namespace x402gw::pricing
