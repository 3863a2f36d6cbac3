#include "x402/base64.hpp"

#include <array>
#include <cstdint>

namespace x402gw::x402 {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_reverse() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr auto kReverse = make_reverse();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  size_t padding = 0;
  while (!text.empty() && text.back() == '=' && padding < 2) {
    text.remove_suffix(1);
    ++padding;
  }
  if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;

  // Four characters at a time into a buffer sized once: the header of every paid request passes here.
  std::string out;
  out.resize(text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1));
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  char* o = out.data();
  const size_t whole = text.size() / 4 * 4;
  for (size_t i = 0; i < whole; i += 4) {
    const int32_t a = kReverse[in[i]], b = kReverse[in[i + 1]], c = kReverse[in[i + 2]], d = kReverse[in[i + 3]];
    if ((a | b | c | d) < 0) return std::nullopt;
    const uint32_t n = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    *o++ = static_cast<char>(n >> 16);
    *o++ = static_cast<char>(n >> 8);
    *o++ = static_cast<char>(n);
  }
  const size_t rest = text.size() - whole;  // 0, 2 or 3 (1 was refused above)
  if (rest > 0) {
    uint32_t n = 0;
    for (size_t i = 0; i < rest; ++i) {
      const int8_t v = kReverse[in[whole + i]];
      if (v < 0) return std::nullopt;
      n = (n << 6) | uint32_t(v);
    }
    // Leftover bits must be zero, or the text is not a canonical encoding of any bytes.
    if (rest == 2) {
      if (n & 0xF) return std::nullopt;
      *o++ = static_cast<char>(n >> 4);
    } else {
      if (n & 0x3) return std::nullopt;
      *o++ = static_cast<char>(n >> 10);
      *o++ = static_cast<char>(n >> 2);
    }
  }
  return out;
}

}  // namespace x402gw::x402
