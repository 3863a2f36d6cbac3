#pragma once
// The Delivery of forward-auth listeners: where the reverse proxy would forward the request, it
// answers the proxy in front with 2xx, carrying the headers that proxy copies: the verified payer
// (for the upstream) and the receipt (for the client).
#include "upstream/delivery.hpp"

namespace x402gw::http {

/// Answers instead of forwarding.
class AuthAnswer final : public upstream::Delivery {
 public:
  /// 200 with options.request_headers (the payer) and options.response_headers (the receipt).
  awaitable<upstream::ForwardResult> stream(routing::RequestContext& ctx, net::ClientIo& io,
                                            const upstream::ForwardOptions& options) override;
  /// Never used: forward-auth routes settle before (config/forward_auth_reader); refused if asked.
  awaitable<upstream::HeldResult> hold(routing::RequestContext& ctx, net::ClientIo& io, const upstream::ForwardOptions& options,
                                       uint64_t limit) override;
  awaitable<void> release(routing::RequestContext& ctx, net::ClientIo& io, upstream::HeldResponse& response,
                          const core::Headers& headers) override;
};

}  // namespace x402gw::http
