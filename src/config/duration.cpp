#include "config/duration.hpp"

#include <charconv>
#include <string>

namespace x402gw::config {
namespace {

// Splits "250ms" into 250 and "ms".
bool split_number(std::string_view text, uint64_t& number, std::string_view& unit) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || ptr == text.data()) return false;
  unit = std::string_view(ptr, text.data() + text.size() - ptr);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  uint64_t n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit) || n > 365ull * 24 * 3600 * 1000) return std::nullopt;
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit.empty() || unit == "s") return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  if (unit == "h") return std::chrono::hours(n);
  return std::nullopt;
}

std::optional<uint64_t> parse_size(std::string_view text) {
  uint64_t n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  uint64_t factor = 0;
  if (unit.empty() || unit == "B") factor = 1;
  else if (unit == "KB") factor = 1000;
  else if (unit == "KiB") factor = 1024;
  else if (unit == "MB") factor = 1000 * 1000;
  else if (unit == "MiB") factor = 1024 * 1024;
  else if (unit == "GB") factor = 1000ull * 1000 * 1000;
  else if (unit == "GiB") factor = 1024ull * 1024 * 1024;
  else return std::nullopt;
  if (n > UINT64_MAX / factor) return std::nullopt;
  return n * factor;
}

}  // namespace x402gw::config
