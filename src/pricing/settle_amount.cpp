#include "pricing/settle_amount.hpp"

#include <variant>

#include "pricing/settlement_override.hpp"
#include "x402/money.hpp"

namespace x402gw::pricing {

SettleDecision decide_settle_amount(const SettleInputs& in) {
  SettleDecision d;
  // The reference middlewares settle nothing for a failed answer; neither does an override on it.
  if (in.status >= 400) {
    d.kind = SettleKind::nothing;
    return d;
  }
  const size_t overrides = in.headers.size() + in.trailers.size();
  if (overrides > 1) {
    // Two charges named for one answer: which one the upstream meant is a guess, and a guess is
    // not charged.
    d.kind = SettleKind::malformed;
    d.error = "the upstream named the charge " + std::to_string(overrides) + " times (Settlement-Overrides header and trailer fields)";
    return d;
  }
  std::string requested;
  if (overrides == 1) {
    const bool trailer = in.headers.empty();
    d.source = trailer ? AmountSource::trailer : AmountSource::header;
    auto parsed = parse_settlement_override(trailer ? in.trailers.front() : in.headers.front(), in.maximum, in.decimals);
    if (auto* e = std::get_if<OverrideError>(&parsed)) {
      d.kind = SettleKind::malformed;
      d.error = std::move(e->message);
      return d;
    }
    requested = std::get<std::string>(std::move(parsed));
  } else if (in.meter) {
    d.source = AmountSource::meter;
    if (!x402::is_atomic_amount(*in.meter)) {
      d.kind = SettleKind::malformed;
      d.error = "the meter's reading '" + *in.meter + "' is not an atomic amount";
      return d;
    }
    requested = *in.meter;
  } else {
    d.amount = in.maximum;
    d.requested = in.maximum;
    return d;
  }
  d.requested = requested;
  if (requested == "0") {
    d.kind = SettleKind::nothing;
    return d;
  }
  if (x402::compare_atomic(requested, in.maximum) > 0) {
    d.clamped = true;
    d.amount = in.maximum;
    return d;
  }
  d.amount = std::move(requested);
  return d;
}

std::string_view decision_label(const SettleDecision& d, unsigned status) {
  if (status >= 400) return "upstream_error";
  switch (d.kind) {
    case SettleKind::malformed: return "malformed";
    case SettleKind::nothing: return "zero";
    case SettleKind::charge: break;
  }
  if (d.clamped) return "clamped";
  switch (d.source) {
    case AmountSource::maximum: return "maximum";
    case AmountSource::header: return "header";
    case AmountSource::trailer: return "trailer";
    case AmountSource::meter: return "meter";
  }
  return "maximum";
}

}  // namespace x402gw::pricing
