#pragma once
// Exact decimal money: prices written by people ("$0.01", "1.5") to atomic token units ("10000").
// No floating point anywhere: amounts are decimal digit strings.
#include <string>
#include <string_view>
#include <variant>

namespace x402gw::x402 {

/// Why a price could not be converted.
enum class MoneyError {
  empty,             // nothing given
  malformed,         // not a plain non-negative decimal number
  too_precise,       // more fractional digits than the asset has; would need rounding
  zero,              // converts to 0 atomic units
  too_large,         // more than 78 digits (beyond uint256)
};

/// A human sentence for a MoneyError, naming the asset's decimals where that helps.
std::string describe(MoneyError error, int decimals);

/// Converts a decimal amount ("0.01", "12", "1.500") to atomic units of an asset with `decimals`
/// decimals. A leading '$' is accepted and ignored (the caller decides what '$' means), as are
/// '_' digit separators. Digits beyond the asset's precision are an error unless they are zeros.
std::variant<std::string, MoneyError> to_atomic_units(std::string_view decimal, int decimals);

/// True for a canonical atomic amount: decimal digits only, no leading zero (except "0" itself).
bool is_atomic_amount(std::string_view text);

/// Compares two canonical atomic amounts numerically: <0, 0, >0.
int compare_atomic(std::string_view a, std::string_view b);

/// Adds two canonical atomic amounts.
std::string add_atomic(std::string_view a, std::string_view b);

/// Formats atomic units back as a decimal with `decimals` places, trailing zeros trimmed ("0.01").
std::string format_units(std::string_view atomic, int decimals);

}  // namespace x402gw::x402
