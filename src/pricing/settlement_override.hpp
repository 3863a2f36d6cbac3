#pragma once
// The `Settlement-Overrides` convention of the x402 reference middlewares: an upstream names what a
// metered (`upto`) request costs in a response header (or, for a streamed answer, a trailer) holding
// JSON `{"amount": ...}`. Pure: text in, atomic units or an error out.
#include <string>
#include <string_view>
#include <variant>

namespace x402gw::pricing {

/// Why an override could not be read; `message` is a sentence for the log and the 502.
struct OverrideError {
  std::string message;
};

/// Reads one amount as the override gives it, against the route's maximum (atomic units) and the
/// asset's decimals:
///   - atomic units: "21300" (digits only; leading zeros allowed);
///   - dollars: "$0.0213", in the asset's decimals; digits past the asset's precision are dropped
///     (rounded down, never up: the buyer is never charged for a fraction of a unit, as the
///     reference middleware's convertToTokenAmount does);
///   - a percentage of the maximum with at most two decimals: "50%", "12.5%", "33.33%" (rounded
///     down to a whole atomic unit).
/// The result is canonical atomic units; it may exceed the maximum (the caller clamps).
std::variant<std::string, OverrideError> parse_override_amount(std::string_view amount, std::string_view maximum, int decimals);

/// Reads a whole `Settlement-Overrides` value: a JSON object whose `amount` is a string of one of
/// the forms above, or a non-negative JSON integer (atomic units). Other members are ignored.
std::variant<std::string, OverrideError> parse_settlement_override(std::string_view json_text, std::string_view maximum,
                                                                   int decimals);

}  // namespace x402gw::pricing
