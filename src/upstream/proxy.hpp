#pragma once
// Forwarding one exchange to its upstream: the request streamed out, the response either streamed
// back to the client or buffered (so that a payment can be settled before it is released).
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/errors.hpp"
#include "http/exchange.hpp"

namespace x402gw::upstream {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// What the payment layer adds to a forwarded exchange.
struct ForwardOptions {
  HeaderList request_headers;   // e.g. the verified payer
  HeaderList response_headers;  // e.g. the receipt of a payment settled before forwarding
};

/// How forwarding ended. `failure` is set when the exchange could not be completed; if the
/// response had already started, the client connection is closed instead of answered.
struct ForwardResult {
  std::optional<http_errors::Failure> failure;
  std::string detail;
  bool response_started = false;
};

/// Streams the request to the upstream and the response back to the client, in constant memory.
awaitable<ForwardResult> forward_streaming(http::Exchange& ex, const ForwardOptions& options);

/// A complete upstream response held in memory.
using BufferedResponse = ::boost::beast::http::response<::boost::beast::http::string_body>;

/// Streams the request to the upstream and reads the whole response, up to `limit` body bytes.
awaitable<std::pair<ForwardResult, BufferedResponse>> forward_buffered(http::Exchange& ex, const ForwardOptions& options,
                                                                      uint64_t limit);

/// Sends a buffered upstream response to the client, with extra headers.
awaitable<void> send_buffered(http::Exchange& ex, BufferedResponse& response, const HeaderList& headers);

}  // namespace x402gw::upstream
