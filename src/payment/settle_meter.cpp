#include "payment/settle_meter.hpp"

#include "core/log.hpp"
#include "pricing/meters.hpp"

namespace x402gw::payment {
namespace {

pricing::Meter::Kind kind_of(config::MeterSpec::Kind kind) {
  switch (kind) {
    case config::MeterSpec::Kind::bytes: return pricing::Meter::Kind::bytes;
    case config::MeterSpec::Kind::time: return pricing::Meter::Kind::time;
    default: return pricing::Meter::Kind::json;
  }
}

}  // namespace

std::optional<std::string> read_meter(const config::Route& route, size_t index, std::string_view maximum, const upstream::HeldResponse& answer,
                                      bool head_request, std::chrono::microseconds upstream_time, metrics::GatewayMetrics* metrics) {
  const config::MeterSpec& spec = route.meter;
  if (!spec.enabled()) return std::nullopt;
  // The meter's price is per requirement, each in its own asset; "" for an exact one.
  if (index >= spec.unit_price.size() || index >= route.requirements.size() || spec.unit_price[index].empty())
    return std::nullopt;
  const pricing::Meter meter{kind_of(spec.kind), spec.per, spec.path, spec.unit_price[index]};
  // An answer that HTTP says has no content (HEAD, 204, 304) cannot say its usage, and sold nothing
  // a JSON meter counts: charged nothing rather than the maximum. (Bytes and time meters measure it.)
  const int status = answer.result_int();
  if (meter.kind == pricing::Meter::Kind::json && (head_request || status == 204 || status == 304)) return std::string("0");
  const std::string_view body = answer.body();
  const std::string_view content_type = answer[bhttp::field::content_type];
  const pricing::Reading reading = pricing::read(meter, pricing::MeteredAnswer{body, content_type, upstream_time});
  if (reading.status == pricing::Reading::Status::measured) return reading.amount;
  // The answer did not say: the buyer authorized the maximum, and charging nothing would let a
  // buyer leave out what makes the upstream say (stream_options.include_usage).
  if (metrics) metrics->meter_unread(route.name);
  core::log_event("warn", "the meter found no usage in an upto answer; the maximum is charged",
                  {{"route", route.name}, {"path", spec.path}, {"content_type", std::string(content_type)},
                   {"bytes", std::to_string(body.size())}, {"maximum", std::string(maximum)}});
  return std::string(maximum);
}

}  // namespace x402gw::payment
