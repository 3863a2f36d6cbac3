#pragma once
// The seam where a request's answer comes from: today a proxy to the upstream (proxy.hpp); an
// authorization answer for a sidecar (nginx auth_request, Envoy ext_authz) would be another
// Delivery. The paid flow asks a Delivery to stream an answer (settled before) or to hold one
// until the payment settles (settled after).
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <span>
#include <string>

#include "core/error.hpp"
#include "core/reply.hpp"
#include "net/asio.hpp"
#include "net/client_io.hpp"
#include "routing/request_context.hpp"

namespace x402gw::upstream {

/// What the payment layer adds to a forwarded exchange.
struct ForwardOptions {
  core::Headers request_headers;      // e.g. the verified payer
  core::Headers response_headers;     // e.g. the receipt of a payment settled before forwarding
  const std::string* body = nullptr;  // a request body already read whole (else streamed from the client)
  std::span<const std::string_view> strip_response_headers{};  // upstream response fields the client never sees
};

/// How forwarding ended. With `error` set and the response already started (io.response_started()),
/// the client connection is closed instead of answered.
struct ForwardResult {
  std::optional<core::Error> error;
  std::string detail;
};

/// A complete upstream answer held in memory.
using HeldResponse = bhttp::response<bhttp::string_body>;

/// An answer held until the payment settles.
struct HeldResult {
  ForwardResult result;
  HeldResponse response;
  core::Headers trailers;  // a chunked answer's trailer fields: never merged into `response`'s header
};

/// Where answers come from.
class Delivery {
 public:
  virtual ~Delivery() = default;
  /// Forwards the request and streams the answer to the client, in constant memory.
  virtual awaitable<ForwardResult> stream(routing::RequestContext& ctx, net::ClientIo& io, const ForwardOptions& options) = 0;
  /// Forwards the request and reads the whole answer, up to `limit` body bytes.
  virtual awaitable<HeldResult> hold(routing::RequestContext& ctx, net::ClientIo& io, const ForwardOptions& options,
                                     uint64_t limit) = 0;
  /// Sends a held answer to the client, with extra headers.
  virtual awaitable<void> release(routing::RequestContext& ctx, net::ClientIo& io, HeldResponse& response,
                                  const core::Headers& headers) = 0;
};

}  // namespace x402gw::upstream
