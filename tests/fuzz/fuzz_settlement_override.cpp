// libFuzzer target: an upstream's Settlement-Overrides value (header or trailer), read as the paid
// flow reads it. Whatever the upstream writes, a charge is canonical, positive and never above the
// maximum; anything else settles nothing.
#include <cstdint>
#include <string>

#include "pricing/settle_amount.hpp"
#include "pricing/settlement_override.hpp"
#include "x402/money.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const char* maximum : {"100000", "1", "115792089237316195423570985008687907853269984665640564039457584007913129639935"}) {
    (void)x402gw::pricing::parse_settlement_override(text, maximum, 6);
    (void)x402gw::pricing::parse_override_amount(text, maximum, 18);
    for (bool trailer : {false, true}) {
      x402gw::pricing::SettleInputs in;
      in.maximum = maximum;
      (trailer ? in.trailers : in.headers).push_back(text);
      const auto d = x402gw::pricing::decide_settle_amount(in);
      if (d.kind != x402gw::pricing::SettleKind::charge) continue;
      if (!x402gw::x402::is_atomic_amount(d.amount) || d.amount == "0") __builtin_trap();
      if (x402gw::x402::compare_atomic(d.amount, maximum) > 0) __builtin_trap();
    }
  }
  return 0;
}
