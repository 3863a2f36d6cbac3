#pragma once
// What a settle-after payment is charged, decided from the upstream's answer: the pure decision
// behind metered (`upto`) settlement. The caller (payment/flow.cpp) gathers the inputs: the
// answer's status, its `Settlement-Overrides` header and trailer fields, an optional meter reading;
// this file says what to settle. No I/O.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::pricing {

/// The header (and trailer) field an upstream names its charge in.
inline constexpr std::string_view kSettlementOverridesHeader = "Settlement-Overrides";

/// What the upstream's answer says about the charge.
struct SettleInputs {
  unsigned status = 200;                 // the upstream's status
  std::vector<std::string> headers;      // values of Settlement-Overrides header fields
  std::vector<std::string> trailers;     // values of Settlement-Overrides trailer fields (chunked answers)
  std::optional<std::string> meter;      // atomic units a meter read from the answer (the caller's), if any
  std::string maximum;                   // the authorized maximum: the requirement's amount (atomic units)
  int decimals = 6;                      // the asset's, for "$" overrides
};

/// What to do.
enum class SettleKind {
  charge,     // settle `amount` (> 0, <= the maximum)
  nothing,    // settle nothing: the upstream failed (>= 400) or the charge is zero
  malformed,  // the override cannot be read: an upstream error; nothing is charged
};

/// Where the amount came from.
enum class AmountSource { maximum, header, trailer, meter };

/// The decision.
struct SettleDecision {
  SettleKind kind = SettleKind::charge;
  std::string amount;           // charge: atomic units
  AmountSource source = AmountSource::maximum;
  bool clamped = false;         // the override or meter asked for more than the maximum: `requested`
  std::string requested;        // what the override or meter asked for (atomic units), before clamping
  std::string error;            // malformed: why, as a sentence
  bool operator==(const SettleDecision&) const = default;
};

/// The decision, in this order: an answer >= 400 settles nothing; more than one override field
/// (header and trailer together included) is malformed; an override settles what it says; else a
/// meter reading; else the maximum. A zero charge settles nothing; a charge above the maximum is
/// clamped to it and flagged.
SettleDecision decide_settle_amount(const SettleInputs& in);

/// The metric label of a decision: "maximum", "header", "trailer", "meter", "clamped", "zero",
/// "upstream_error" (>= 400) or "malformed".
std::string_view decision_label(const SettleDecision& d, unsigned status);

}  // namespace x402gw::pricing
