#include "pricing/meters.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "core/saturating.hpp"

namespace x402gw::pricing {
namespace {

using core::uint128;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string to_decimal(uint128 v) {
  if (v == 0) return "0";
  char digits[40];
  size_t n = 0;
  while (v > 0) {
    digits[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  std::string out(n, '0');
  for (size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  return out;
}

// A canonical atomic amount as a uint128; saturates (and says so) beyond 2^128 - 1.
uint128 parse_atomic(std::string_view text, bool& saturated) {
  uint128 v = 0;
  for (char c : text) {
    v = core::saturating_mul(v, 10, saturated);
    v = core::saturating_add(v, static_cast<uint128>(c - '0'), saturated);
  }
  return v;
}

// The bytes that matter when skipping a container: quotes and brackets.
constexpr auto kStructural = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {'"', '{', '}', '[', ']'}) table[c] = true;
  return table;
}();

// A JSON scanner over one document that finds one value without building anything: it walks the
// path's keys and skips every other value. It never recurses, so no nesting depth can exhaust the
// stack; it validates only what it walks through (skipped values are matched bracket for bracket).
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  void skip_ws() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  bool at(char c) {
    skip_ws();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  bool eat(char c) {
    if (!at(c)) return false;
    ++pos_;
    return true;
  }

  // After the opening quote: the raw (still escaped) string up to its closing quote, which is eaten.
  bool string_body(std::string_view& raw) {
    const size_t start = pos_;
    size_t from = pos_;
    for (;;) {
      const void* hit = std::memchr(s_.data() + from, '"', s_.size() - from);
      if (!hit) return false;
      const size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - s_.data());
      size_t backslashes = 0;
      while (quote - backslashes > start && s_[quote - backslashes - 1] == '\\') ++backslashes;
      if (backslashes % 2 == 0) {
        raw = s_.substr(start, quote - start);
        pos_ = quote + 1;
        return true;
      }
      from = quote + 1;
    }
  }

  // Skips one value of any kind, iteratively.
  bool skip_value() {
    skip_ws();
    if (pos_ >= s_.size()) return false;
    const char first = s_[pos_];
    if (first == '"') {
      ++pos_;
      std::string_view ignored;
      return string_body(ignored);
    }
    if (first != '{' && first != '[') {
      const size_t start = pos_;
      while (pos_ < s_.size() && !is_space(s_[pos_]) && s_[pos_] != ',' && s_[pos_] != '}' && s_[pos_] != ']') ++pos_;
      return pos_ > start;
    }
    size_t depth = 0;
    while (pos_ < s_.size()) {
      // Most bytes of a skipped container are digits, commas and letters: one table look-up each.
      while (pos_ < s_.size() && !kStructural[static_cast<unsigned char>(s_[pos_])]) ++pos_;
      if (pos_ >= s_.size()) return false;
      const char c = s_[pos_++];
      if (c == '"') {
        std::string_view ignored;
        if (!string_body(ignored)) return false;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return true;
      }
    }
    return false;
  }

  // In an object (after its '{'): moves to the value of `key`; false when it is not there.
  bool find_key(std::string_view key) {
    if (eat('}')) return false;
    for (;;) {
      if (!eat('"')) return false;
      std::string_view name;
      if (!string_body(name)) return false;
      if (!eat(':')) return false;
      if (name == key) {
        skip_ws();
        return true;
      }
      if (!skip_value()) return false;
      if (eat(',')) continue;
      return false;  // '}' (not found) or malformed
    }
  }

  // In an array (after its '['): moves to element `index`.
  bool find_index(uint64_t index) {
    if (eat(']')) return false;
    for (uint64_t i = 0; i < index; ++i) {
      if (!skip_value()) return false;
      if (!eat(',')) return false;
    }
    skip_ws();
    return true;
  }

  // The number token here, which must be followed by a delimiter (a number cut off by the end of
  // the text could be the front of a larger one).
  bool number(Quantity& out) {
    skip_ws();
    const size_t start = pos_;
    while (pos_ < s_.size() && (is_digit(s_[pos_]) || s_[pos_] == '-' || s_[pos_] == '+' || s_[pos_] == '.' ||
                                s_[pos_] == 'e' || s_[pos_] == 'E'))
      ++pos_;
    if (pos_ >= s_.size()) return false;
    const char next = s_[pos_];
    if (!is_space(next) && next != ',' && next != '}' && next != ']') return false;
    return parse_quantity(s_.substr(start, pos_ - start), out);
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool index_segment(std::string_view segment, uint64_t& index) {
  if (segment.empty() || segment.size() > 18) return false;
  index = 0;
  for (char c : segment) {
    if (!is_digit(c)) return false;
    index = index * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// The value of an SSE field line ("data: x" -> "x", "data" -> ""), when the line is that field.
bool field_value(std::string_view line, std::string_view field, std::string_view& value) {
  if (line.substr(0, field.size()) != field) return false;
  std::string_view rest = line.substr(field.size());
  if (rest.empty()) {
    value = rest;
    return true;
  }
  if (rest.front() != ':') return false;
  rest.remove_prefix(1);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  value = rest;
  return true;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
  return v;
}

}  // namespace

bool parse_quantity(std::string_view t, Quantity& out) {
  size_t i = 0;
  bool negative = false;
  if (i < t.size() && t[i] == '-') {
    negative = true;
    ++i;
  }
  if (i >= t.size() || !is_digit(t[i])) return false;
  uint128 mantissa = 0;
  int64_t exponent = 0;
  bool dropped = false;  // digits beyond 128 bits that were not zero: rounded up below
  bool saturated = false;
  auto push = [&](char c, bool fraction) {
    bool over = false;
    uint128 next = core::saturating_add(core::saturating_mul(mantissa, 10, over), static_cast<uint128>(c - '0'), over);
    if (over) {
      if (!fraction) ++exponent;  // an integer digit still scales the number
      if (c != '0') dropped = true;
      return;
    }
    mantissa = next;
    if (fraction) --exponent;
  };
  const bool leading_zero = t[i] == '0';
  const size_t int_start = i;
  while (i < t.size() && is_digit(t[i])) push(t[i++], false);
  if (leading_zero && i - int_start > 1) return false;  // "01"
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (i >= t.size() || !is_digit(t[i])) return false;
    while (i < t.size() && is_digit(t[i])) push(t[i++], true);
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) exp_negative = t[i++] == '-';
    if (i >= t.size() || !is_digit(t[i])) return false;
    int64_t e = 0;
    while (i < t.size() && is_digit(t[i])) e = std::min<int64_t>(e * 10 + (t[i++] - '0'), 1'000'000);
    exponent += exp_negative ? -e : e;
  }
  if (i != t.size()) return false;
  if (dropped) mantissa = core::saturating_add(mantissa, 1, saturated);
  if (negative && mantissa != 0) return false;
  out.mantissa = mantissa;
  out.exponent = static_cast<int>(std::clamp<int64_t>(exponent, -1'000'000, 1'000'000));
  return true;
}

Reading charge(const Quantity& quantity, uint64_t per, std::string_view unit_price) {
  Reading r;
  r.status = Reading::Status::measured;
  bool saturated = false;
  const uint128 price = parse_atomic(unit_price, saturated);
  uint128 numerator = core::saturating_mul(quantity.mantissa, price, saturated);
  uint128 denominator = std::max<uint64_t>(per, 1);
  if (numerator == 0) {
    r.amount = "0";
    return r;
  }
  if (quantity.exponent > 0) {
    for (int e = 0; e < quantity.exponent && !saturated; ++e) numerator = core::saturating_mul(numerator, 10, saturated);
  } else {
    bool tiny = false;  // the denominator outgrew 128 bits: the value is below 1, rounded up to 1
    for (int e = 0; e < -quantity.exponent && !tiny; ++e) denominator = core::saturating_mul(denominator, 10, tiny);
    if (tiny && !saturated) {
      r.amount = "1";
      return r;
    }
  }
  if (saturated) {
    r.saturated = true;
    r.amount = to_decimal(core::kUint128Max);
    return r;
  }
  uint128 units = numerator / denominator;
  if (numerator % denominator != 0) ++units;  // cannot overflow: the denominator is > 1 here
  r.amount = to_decimal(units);
  return r;
}

bool find_json_number(std::string_view json, std::string_view path, Quantity& out) {
  Scanner scan(json);
  while (!path.empty()) {
    const size_t dot = path.find('.');
    const std::string_view segment = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    uint64_t index = 0;
    if (scan.eat('{')) {
      if (!scan.find_key(segment)) return false;
    } else if (index_segment(segment, index) && scan.eat('[')) {
      if (!scan.find_index(index)) return false;
    } else {
      return false;
    }
  }
  return scan.number(out);
}

std::string_view last_event_data(std::string_view body, std::string& scratch) {
  // Walks the lines backwards, so only the tail of a long stream is looked at. An event's data
  // lines are gathered (last first) until the blank line before them.
  std::vector<std::string_view> data;  // this event's data lines, last first
  size_t end = body.size();
  auto finish_event = [&]() -> std::string_view {
    if (data.empty()) return {};
    std::string_view value;
    if (data.size() == 1) {
      value = data.front();
    } else {
      scratch.clear();
      for (size_t i = data.size(); i-- > 0;) {
        scratch += data[i];
        if (i > 0) scratch += '\n';
      }
      value = scratch;
    }
    data.clear();
    const std::string_view trimmed = trim(value);
    if (trimmed.empty() || trimmed == "[DONE]") return {};
    return value;
  };
  for (;;) {
    size_t start = end;
    while (start > 0 && body[start - 1] != '\n' && body[start - 1] != '\r') --start;
    const std::string_view line = body.substr(start, end - start);
    if (line.empty()) {
      if (auto v = finish_event(); !v.empty()) return v;
    } else if (std::string_view value; field_value(line, "data", value)) {
      data.push_back(value);
    }
    if (start == 0) break;
    end = start - 1;
    if (body[end] == '\n' && end > 0 && body[end - 1] == '\r') --end;
  }
  return finish_event();
}

bool is_event_stream(std::string_view content_type) {
  constexpr std::string_view kType = "text/event-stream";
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (type.size() != kType.size()) return false;
  for (size_t i = 0; i < kType.size(); ++i) {
    char c = type[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kType[i]) return false;
  }
  return true;
}

Reading read(const Meter& meter, const MeteredAnswer& answer) {
  switch (meter.kind) {
    case Meter::Kind::bytes: return charge(Quantity{answer.body.size(), 0}, meter.per, meter.unit_price);
    case Meter::Kind::time: {
      const int64_t us = std::max<int64_t>(answer.elapsed.count(), 0);
      return charge(Quantity{static_cast<uint128>(us), 0}, meter.per, meter.unit_price);
    }
    case Meter::Kind::json: {
      std::string scratch;
      std::string_view document = answer.body;
      if (is_event_stream(answer.content_type)) document = last_event_data(answer.body, scratch);
      Quantity quantity;
      if (document.empty() || !find_json_number(document, meter.path, quantity)) return Reading{};
      return charge(quantity, meter.per, meter.unit_price);
    }
  }
  return Reading{};
}

}  // namespace x402gw::pricing
