#pragma once
// The Delivery of forward-auth listeners: where the reverse proxy would forward the request, it
// answers the proxy in front with 2xx, carrying the headers that proxy copies: the verified payer
// (for the upstream) and the receipt (for the client).
#include <string>
#include <vector>

#include "upstream/delivery.hpp"

namespace x402gw::http {

/// Envoy's ext_authz copies the allowed_upstream_headers an OK answer carries onto the request, and
/// leaves a client's own of that name alone when the answer has none (a free route, a payer that is
/// not known): the `x-envoy-auth-headers-to-remove` header naming those of `reserved` (the headers
/// only the gateway sets for upstreams) that `set` lacks. None when `set` has them all.
core::Headers envoy_removals(const std::vector<std::string>& reserved, const core::Headers& set);

/// Answers instead of forwarding.
class AuthAnswer final : public upstream::Delivery {
 public:
  /// `envoy_reserved`: for Envoy's endpoint, the headers its 2xx must have removed unless it sets them.
  explicit AuthAnswer(const std::vector<std::string>* envoy_reserved = nullptr) : envoy_reserved_(envoy_reserved) {}
  /// 200 with options.request_headers (the payer) and options.response_headers (the receipt).
  awaitable<upstream::ForwardResult> stream(routing::RequestContext& ctx, net::ClientIo& io,
                                            const upstream::ForwardOptions& options) override;
  /// Never used: forward-auth routes settle before (config/forward_auth_reader); refused if asked.
  awaitable<upstream::HeldResult> hold(routing::RequestContext& ctx, net::ClientIo& io, const upstream::ForwardOptions& options,
                                       uint64_t limit) override;
  awaitable<void> release(routing::RequestContext& ctx, net::ClientIo& io, upstream::HeldResponse& response,
                          const core::Headers& headers) override;

 private:
  const std::vector<std::string>* envoy_reserved_;
};

}  // namespace x402gw::http
