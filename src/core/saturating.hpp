#pragma once
// Saturating arithmetic for times computed from what a client sent. A payment payload may carry
// any validBefore (2^63 and beyond clamp to INT64_MAX), and "expiry plus a day" must then stay at
// the far end of time instead of overflowing (undefined behaviour, and a wrapped negative expiry
// would make a payment look long expired). Meter charges (a quantity read from an answer, times a
// price) saturate the same way, on 128 bits, and are then clamped to the authorized maximum.
#include <cstdint>
#include <limits>

namespace x402gw::core {

/// a + b, clamped to the range of int64_t.
constexpr int64_t saturating_add(int64_t a, int64_t b) noexcept {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  return out;
}

/// a - b, clamped to the range of int64_t.
constexpr int64_t saturating_sub(int64_t a, int64_t b) noexcept {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  return out;
}

/// Unsigned 128-bit integers: meter charges (pricing/meters) are computed in them.
using uint128 = unsigned __int128;
inline constexpr uint128 kUint128Max = ~uint128{0};

/// a * b, clamped to the largest uint128; `saturated` is set when it was clamped.
constexpr uint128 saturating_mul(uint128 a, uint128 b, bool& saturated) noexcept {
  uint128 out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    saturated = true;
    return kUint128Max;
  }
  return out;
}

/// a + b, clamped to the largest uint128; `saturated` is set when it was clamped.
constexpr uint128 saturating_add(uint128 a, uint128 b, bool& saturated) noexcept {
  uint128 out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    saturated = true;
    return kUint128Max;
  }
  return out;
}

}  // namespace x402gw::core
