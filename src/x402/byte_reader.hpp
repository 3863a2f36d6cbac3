#pragma once
// Bounds-checked reading of binary wire formats. A read past the end fails the reader for good
// (every later read yields zero or empty), so a parser checks ok() where it matters instead of
// after every field.
#include <cstdint>
#include <string_view>

namespace x402gw::x402 {

/// A cursor over bytes that never reads out of bounds.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  /// No read so far went past the end.
  bool ok() const { return ok_; }
  /// Everything was read and no read failed.
  bool at_end() const { return ok_ && offset_ == bytes_.size(); }
  size_t offset() const { return offset_; }
  size_t remaining() const { return ok_ ? bytes_.size() - offset_ : 0; }
  /// Marks the input malformed (for checks the reader cannot make itself).
  void fail() { ok_ = false; }

  /// The next `n` bytes; empty and failed when fewer remain.
  std::string_view take(size_t n) {
    if (!ok_ || n > bytes_.size() - offset_) {
      ok_ = false;
      return {};
    }
    auto out = bytes_.substr(offset_, n);
    offset_ += n;
    return out;
  }
  uint8_t u8() {
    auto b = take(1);
    return b.empty() ? 0 : static_cast<uint8_t>(b[0]);
  }
  uint16_t u16be() { return static_cast<uint16_t>(big_endian(2)); }
  uint32_t u32be() { return static_cast<uint32_t>(big_endian(4)); }
  uint64_t u64be() { return big_endian(8); }
  uint64_t u64le() {
    auto b = take(8);
    uint64_t v = 0;
    for (size_t i = b.size(); i-- > 0;) v = v << 8 | static_cast<uint8_t>(b[i]);
    return v;
  }
  /// A count of elements each at least `min_size` bytes long: fails at once when the input cannot
  /// hold them, so a forged count never drives a long loop.
  uint64_t count(uint64_t n, size_t min_size) {
    if (!ok_ || (min_size > 0 && n > remaining() / min_size)) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  uint64_t big_endian(size_t n) {
    auto b = take(n);
    uint64_t v = 0;
    for (unsigned char c : b) v = v << 8 | c;
    return v;
  }

  std::string_view bytes_;
  size_t offset_ = 0;
  bool ok_ = true;
};

}  // namespace x402gw::x402
