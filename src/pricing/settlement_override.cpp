#include "pricing/settlement_override.hpp"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "x402/money.hpp"

namespace x402gw::pricing {
namespace {

// uint256 has 78 decimal digits: nothing longer can be an amount on any chain the gateway serves.
constexpr size_t kMaxDigits = 78;

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string strip_zeros(std::string_view digits) {
  size_t i = 0;
  while (i + 1 < digits.size() && digits[i] == '0') ++i;
  return std::string(digits.substr(i));
}

// floor(a * m / d) for a canonical decimal string `a` and small m, d (> 0): schoolbook arithmetic
// on digit strings, so a uint256 maximum never goes through floating point.
std::string mul_div(std::string_view a, unsigned m, unsigned d) {
  // a * m
  std::string product(a.size() + 10, '0');
  uint64_t carry = 0;
  size_t pos = product.size();
  for (size_t i = a.size(); i-- > 0;) {
    const uint64_t v = static_cast<uint64_t>(a[i] - '0') * m + carry;
    product[--pos] = static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  while (carry) {
    product[--pos] = static_cast<char>('0' + carry % 10);
    carry /= 10;
  }
  product = strip_zeros(std::string_view(product).substr(pos));
  // / d
  std::string quotient;
  uint64_t rest = 0;
  for (char c : product) {
    rest = rest * 10 + static_cast<uint64_t>(c - '0');
    quotient.push_back(static_cast<char>('0' + rest / d));
    rest %= d;
  }
  return strip_zeros(quotient);
}

OverrideError error(std::string message) { return OverrideError{std::move(message)}; }

}  // namespace

std::variant<std::string, OverrideError> parse_override_amount(std::string_view amount, std::string_view maximum, int decimals) {
  const std::string quoted = "'" + std::string(amount.substr(0, 64)) + (amount.size() > 64 ? "...'" : "'");
  if (amount.empty()) return error("the amount is empty");
  if (amount.back() == '%') {
    // A percentage of the maximum: digits, optionally '.' and one or two digits.
    std::string_view number = amount.substr(0, amount.size() - 1);
    const size_t dot = number.find('.');
    std::string_view whole = number.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
    if (!all_digits(whole) || whole.size() > 6 || (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 2 || !all_digits(fraction))))
      return error("the amount " + quoted + " is not a percentage with at most two decimals (\"50%\", \"12.5%\")");
    std::string hundredths = std::string(whole) + std::string(fraction) + std::string(2 - fraction.size(), '0');
    if (!x402::is_atomic_amount(maximum)) return error("the maximum is not an atomic amount");
    const unsigned scaled = static_cast<unsigned>(std::stoul(hundredths));
    return mul_div(maximum, scaled, 10000);
  }
  if (amount.front() == '$') {
    std::string_view number = amount.substr(1);
    const size_t dot = number.find('.');
    std::string_view whole = number.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
    if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(fraction)))
      return error("the amount " + quoted + " is not a dollar amount (\"$0.0213\")");
    if (decimals < 0 || decimals > 36) return error("the asset's decimals are unknown");
    // Rounded down to the asset's precision (see the header).
    std::string units = std::string(whole) + std::string(fraction.substr(0, static_cast<size_t>(decimals)));
    units.append(static_cast<size_t>(decimals) - std::min(fraction.size(), static_cast<size_t>(decimals)), '0');
    units = strip_zeros(units);
    if (units.size() > kMaxDigits) return error("the amount " + quoted + " is larger than any token amount");
    return units;
  }
  if (!all_digits(amount)) return error("the amount " + quoted + " is not atomic units (\"21300\"), dollars (\"$0.0213\") or a percentage (\"50%\")");
  std::string units = strip_zeros(amount);
  if (units.size() > kMaxDigits) return error("the amount " + quoted + " is larger than any token amount");
  return units;
}

std::variant<std::string, OverrideError> parse_settlement_override(std::string_view json_text, std::string_view maximum,
                                                                   int decimals) {
  // Duplicate members are undefined in JSON (RFC 8259 section 4) and the parser would keep the
  // last: `{"amount":"5","amount":"0"}` names two charges, as two override fields do, and which one
  // the upstream meant is a guess (an upstream splicing text it was given into the object would let
  // that text pick the charge). Counted while parsing, on the top-level object's decoded keys.
  int amounts = 0;
  const nlohmann::json::parser_callback_t count_amounts = [&amounts](int depth, nlohmann::json::parse_event_t event,
                                                                     nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed == "amount") ++amounts;
    return true;
  };
  const nlohmann::json doc = nlohmann::json::parse(json_text, count_amounts, false);
  if (doc.is_discarded() || !doc.is_object()) return error("Settlement-Overrides is not a JSON object");
  if (amounts > 1) return error("Settlement-Overrides names \"amount\" " + std::to_string(amounts) + " times");
  const auto it = doc.find("amount");
  if (it == doc.end()) return error("Settlement-Overrides has no \"amount\"");
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  if (it->is_number_integer() && it->get<int64_t>() >= 0) return std::to_string(it->get<int64_t>());
  if (!it->is_string()) return error("Settlement-Overrides' \"amount\" is neither a string nor a non-negative integer");
  return parse_override_amount(it->get_ref<const std::string&>(), maximum, decimals);
}

}  // namespace x402gw::pricing
