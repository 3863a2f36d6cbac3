// libFuzzer target: the meters' readers of an upstream's answer (pricing/meters): the JSON-path
// scanner, the SSE last-event reader and the quantity parser. Properties: no crash and no read out
// of bounds on any body (the scanner never recurses, so no nesting exhausts the stack); a measured
// charge is a canonical atomic amount; the last event's data lies within the body (or is made of
// its data lines); a number the scanner finds is a number the quantity parser accepts alone.
#include <cstdint>
#include <string>

#include "pricing/meters.hpp"

using namespace x402gw::pricing;

namespace {

bool canonical(const std::string& a) {
  if (a.empty() || (a.size() > 1 && a[0] == '0')) return false;
  for (char c : a)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the path and the content type; the rest is the body.
  const uint8_t pick = data[0];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const char* const kPaths[] = {"usage.total_tokens", "a", "a.0.b", "0"};
  const char* path = kPaths[pick & 3];
  const bool sse = pick & 4;
  const Meter meter{Meter::Kind::json, (pick & 8) ? 1000u : 1u, path, (pick & 16) ? "2000" : "340282366920938463463374607431768211455"};
  const Reading r = read(meter, MeteredAnswer{body, sse ? "text/event-stream" : "application/json", {}});
  if (r.status == Reading::Status::measured && !canonical(r.amount)) __builtin_trap();
  if (r.status == Reading::Status::unread && !r.amount.empty()) __builtin_trap();

  std::string scratch;
  const std::string_view event = last_event_data(body, scratch);
  const bool inside = event.data() >= body.data() && event.data() + event.size() <= body.data() + body.size();
  const bool joined = event.data() >= scratch.data() && event.data() + event.size() <= scratch.data() + scratch.size();
  if (!event.empty() && !inside && !joined) __builtin_trap();

  Quantity q;
  if (find_json_number(body, path, q)) {
    const Reading c = charge(q, 1, "1");
    if (!canonical(c.amount)) __builtin_trap();
  }
  parse_quantity(body, q);
  return 0;
}
