#pragma once
// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date, in any of the three date
// forms a recipient must accept (IMF-fixdate, RFC 850, asctime).
#include <chrono>
#include <optional>
#include <string_view>

namespace x402gw::facilitator {

/// How long from `now` a Retry-After value asks to wait; nullopt when it is malformed. A date in
/// the past is a zero wait.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace x402gw::facilitator
