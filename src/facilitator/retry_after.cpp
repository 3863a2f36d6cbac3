#include "facilitator/retry_after.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <string>

namespace x402gw::facilitator {
namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm): no time zone, no locale.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int month_of(const char* name) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (std::strcmp(kMonths[i], name) == 0) return static_cast<int>(i) + 1;
  return 0;
}

// Seconds since the epoch of an HTTP-date, or nullopt.
std::optional<int64_t> http_date(const std::string& text, int64_t now_s) {
  int day = 0, year = 0, h = 0, m = 0, s = 0, used = 0;
  char month[4] = {};
  char zone[4] = {};
  bool parsed = false;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (std::sscanf(text.c_str(), "%*3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", &day, month, &year, &h, &m, &s,
                  zone, &used) == 7 && used == static_cast<int>(text.size())) {
    parsed = true;
  } else if (std::sscanf(text.c_str(), "%*[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d %3[A-Z]%n", &day, month, &year, &h, &m,
                         &s, zone, &used) == 7 && used == static_cast<int>(text.size())) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". RFC 9110: a two-digit year more than 50 years
    // in the future is in the past century.
    const int64_t this_year = 1970 + now_s / 31'556'952;
    year += static_cast<int>(this_year / 100 * 100);
    if (year > this_year + 50) year -= 100;
    else if (year < this_year - 50) year += 100;
    parsed = true;
  } else if (std::sscanf(text.c_str(), "%*3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", month, &day, &h, &m, &s, &year,
                         &used) == 6 && used == static_cast<int>(text.size())) {
    // asctime: "Sun Nov  6 08:49:37 1994"
    std::strcpy(zone, "GMT");
    parsed = true;
  }
  if (!parsed || std::strcmp(zone, "GMT") != 0) return std::nullopt;
  const int mon = month_of(month);
  if (mon == 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60 || year < 1970) return std::nullopt;
  return days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day)) * 86400 + h * 3600 + m * 60 + s;
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) return std::chrono::seconds(999'999'999);  // absurdly far: the caller caps it
    int64_t seconds = 0;
    for (char c : value) seconds = seconds * 10 + (c - '0');
    return std::chrono::seconds(seconds);
  }
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto at = http_date(std::string(value), now_s);
  if (!at) return std::nullopt;
  return std::chrono::seconds(*at > now_s ? *at - now_s : 0);
}

}  // namespace x402gw::facilitator
