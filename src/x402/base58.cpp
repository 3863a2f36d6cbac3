#include "x402/base58.hpp"

#include <vector>

namespace x402gw::x402 {

std::string base58_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  // Base-58 digits, least significant first; long division of the big-endian number by hand.
  std::vector<uint8_t> digits;
  for (size_t i = zeros; i < bytes.size(); ++i) {
    unsigned carry = static_cast<uint8_t>(bytes[i]);
    for (auto& d : digits) {
      carry += static_cast<unsigned>(d) << 8;
      d = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out += kAlphabet[*it];
  return out;
}

}  // namespace x402gw::x402
