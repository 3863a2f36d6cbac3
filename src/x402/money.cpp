#include "x402/money.hpp"

#include <algorithm>

namespace x402gw::x402 {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string strip_leading_zeros(std::string s) {
  size_t first = s.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  return s.substr(first);
}

}  // namespace

std::string describe(MoneyError error, int decimals) {
  switch (error) {
    case MoneyError::empty: return "price is empty";
    case MoneyError::malformed: return "price is not a plain decimal number such as \"$0.01\" or \"1.5\"";
    case MoneyError::too_precise:
      return "price has more decimal places than the asset's " + std::to_string(decimals) +
             " decimals; it would have to be rounded";
    case MoneyError::zero: return "price converts to 0 atomic units: nothing would be charged";
    case MoneyError::too_large: return "price is too large";
  }
  return "invalid price";
}

std::variant<std::string, MoneyError> to_atomic_units(std::string_view text, int decimals) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (!text.empty() && text.front() == '$') text.remove_prefix(1);
  if (text.empty()) return MoneyError::empty;

  std::string cleaned;
  cleaned.reserve(text.size());
  for (char c : text)
    if (c != '_') cleaned += c;

  std::string_view whole = cleaned, fraction;
  if (auto dot = cleaned.find('.'); dot != std::string::npos) {
    whole = std::string_view(cleaned).substr(0, dot);
    fraction = std::string_view(cleaned).substr(dot + 1);
    if (fraction.empty() || (!whole.empty() && !all_digits(whole)) || !all_digits(fraction))
      return MoneyError::malformed;
    if (whole.empty()) whole = "0";
  } else if (!all_digits(whole)) {
    return MoneyError::malformed;
  }

  // Trailing zeros beyond the asset's precision are harmless ("0.010" for 2 decimals).
  while (fraction.size() > static_cast<size_t>(decimals) && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.size() > static_cast<size_t>(decimals)) return MoneyError::too_precise;

  std::string atomic(whole);
  atomic += fraction;
  atomic.append(static_cast<size_t>(decimals) - fraction.size(), '0');
  atomic = strip_leading_zeros(std::move(atomic));
  if (atomic == "0") return MoneyError::zero;
  if (atomic.size() > 78) return MoneyError::too_large;
  return atomic;
}

bool is_atomic_amount(std::string_view text) {
  return all_digits(text) && (text.size() == 1 || text.front() != '0') && text.size() <= 78;
}

int compare_atomic(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string add_atomic(std::string_view a, std::string_view b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    out += static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  std::reverse(out.begin(), out.end());
  return strip_leading_zeros(std::move(out));
}

std::string format_units(std::string_view atomic, int decimals) {
  std::string digits(atomic);
  if (digits.size() <= static_cast<size_t>(decimals))
    digits.insert(0, static_cast<size_t>(decimals) + 1 - digits.size(), '0');
  std::string whole = digits.substr(0, digits.size() - decimals);
  std::string fraction = digits.substr(digits.size() - decimals);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? whole : whole + "." + fraction;
}

}  // namespace x402gw::x402
