#pragma once
// The Delivery that forwards to the route's upstream over the worker's pooled connections.
#include "net/worker_context.hpp"
#include "upstream/delivery.hpp"

namespace x402gw::upstream {

/// Proxies to upstreams; one per worker thread (it uses that thread's pools).
class Proxy final : public Delivery {
 public:
  explicit Proxy(net::WorkerContext& worker) : worker_(worker) {}

  awaitable<ForwardResult> stream(routing::RequestContext& ctx, net::ClientIo& io, const ForwardOptions& options) override;
  awaitable<HeldResult> hold(routing::RequestContext& ctx, net::ClientIo& io, const ForwardOptions& options,
                             uint64_t limit) override;
  awaitable<void> release(routing::RequestContext& ctx, net::ClientIo& io, HeldResponse& response,
                          const core::Headers& headers) override;

 private:
  net::WorkerContext& worker_;
};

}  // namespace x402gw::upstream
