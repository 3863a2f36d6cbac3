#pragma once
// Answers the gateway writes itself: errors, 402 challenges, health.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/errors.hpp"
#include "http/exchange.hpp"

namespace x402gw::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Writes a complete response with a body. Closes after it when the request body was not read.
awaitable<void> send_local(Exchange& ex, unsigned status, std::string body, std::string_view content_type,
                           const HeaderList& headers = {});

/// Writes the JSON error reply for `failure` (status and code from the one table in errors.hpp).
awaitable<void> send_failure(Exchange& ex, http_errors::Failure failure, std::string_view message,
                             const HeaderList& headers = {});

}  // namespace x402gw::http
