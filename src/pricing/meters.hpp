#pragma once
// Meters: what an `upto` payment is charged when the upstream names no amount itself (no
// Settlement-Overrides). Pure: the caller hands in the held answer (its body, its Content-Type)
// and how long it took; a meter hands back an amount in atomic units, which the caller clamps to
// the authorized maximum. No I/O, no config types: the wiring copies a route's `meter:` into a
// Meter.
//
// Rounding: the charge is pro rata, `quantity × price / per`, rounded UP to a whole atomic unit
// (1,500 bytes at 100 atomic units per 1,024 bytes are 146.48..., charged 147). The seller never
// loses a fraction; the buyer overpays by less than one atomic unit ($0.000001 of USDC). A zero
// quantity costs 0 (and a zero amount is not settled at all).
//
// An answer that does not say (the json meter's path is missing, or is not a non-negative number,
// or the body is not JSON, or an SSE stream has no JSON event): the charge is the MAXIMUM the
// buyer authorized, never nothing. The buyer controls whether an OpenAI-style stream reports its
// usage (`stream_options.include_usage`): charging nothing would let any buyer stream for free by
// leaving it out. The maximum is what the buyer signed for in the 402, so it is never more than
// they agreed to; the operator sees every such answer counted and logged.
//
// Overflow: arithmetic is on unsigned 128-bit integers and saturates (core/saturating.hpp); a
// saturated charge is above any maximum and is clamped to it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/saturating.hpp"

namespace x402gw::pricing {

/// A non-negative decimal quantity as read from an answer: mantissa × 10^exponent.
struct Quantity {
  core::uint128 mantissa = 0;
  int exponent = 0;
  bool operator==(const Quantity&) const = default;
};

/// Parses a JSON number token ("1234", "12.5", "1e3") into `out`; false when it is not a JSON
/// number or is negative ("-0" is zero). Digits beyond 128 bits round the mantissa up.
bool parse_quantity(std::string_view number, Quantity& out);

/// What one meter charges. A view: the strings are the configuration's, which outlives the call.
struct Meter {
  enum class Kind { bytes, time, json };
  Kind kind = Kind::bytes;
  uint64_t per = 1;              // bytes: bytes per unit; time: microseconds per unit; json: count per unit
  std::string_view path;         // json: dotted path ("usage.total_tokens"; a number segment indexes an array)
  std::string_view unit_price;   // atomic units charged per `per`, canonical, > 0
};

/// The answer as a meter sees it.
struct MeteredAnswer {
  std::string_view body;           // the body bytes sent to the client (as held, not decoded)
  std::string_view content_type;   // text/event-stream: read the last JSON event
  std::chrono::microseconds elapsed{0};  // from the request forwarded upstream to the end of its answer
};

/// A meter's reading of one answer.
struct Reading {
  enum class Status {
    measured,  // `amount` is the charge (it may exceed the maximum: the caller clamps it)
    unread,    // the answer does not say (json meter): charge the maximum
  };
  Status status = Status::unread;
  std::string amount;      // atomic units, canonical; "" when unread
  bool saturated = false;  // the arithmetic overflowed: the charge is above any maximum
};

/// Reads `answer` with `meter`.
Reading read(const Meter& meter, const MeteredAnswer& answer);

/// ceil(quantity × unit_price / per) in atomic units, saturating. `unit_price` is canonical atomic.
Reading charge(const Quantity& quantity, uint64_t per, std::string_view unit_price);

/// The number at `path` in the JSON document `json`, scanned without building a DOM: values off
/// the path are skipped (strings by memchr). False when the path is absent, the document is not
/// JSON along the way, or the value is not a non-negative number.
bool find_json_number(std::string_view json, std::string_view path, Quantity& out);

/// The data of the last event of an SSE body (`data:` lines joined by '\n') that is not
/// `[DONE]` and not empty; "" when there is none. Lines joined across several `data:` lines are
/// copied into `scratch`, else the result points into `body`.
std::string_view last_event_data(std::string_view body, std::string& scratch);

/// True for a Content-Type of text/event-stream (parameters and case ignored).
bool is_event_stream(std::string_view content_type);

}  // namespace x402gw::pricing
