#include "http/auth_answer.hpp"

#include "http/replies.hpp"

namespace x402gw::http {

awaitable<upstream::ForwardResult> AuthAnswer::stream(routing::RequestContext& ctx, net::ClientIo& io,
                                                      const upstream::ForwardOptions& options) {
  core::DocumentReply allowed{200, {}, "text/plain", options.request_headers};
  for (const auto& h : options.response_headers) allowed.headers.push_back(h);
  const core::Reply reply = allowed;
  co_await send_reply(io, reply, ctx.head_request);
  co_return upstream::ForwardResult{};
}

awaitable<upstream::HeldResult> AuthAnswer::hold(routing::RequestContext&, net::ClientIo&, const upstream::ForwardOptions&, uint64_t) {
  upstream::HeldResult held;
  held.result = upstream::ForwardResult{core::Error::internal, "a forward-auth listener never holds an answer (settle-after)"};
  co_return held;
}

awaitable<void> AuthAnswer::release(routing::RequestContext& ctx, net::ClientIo& io, upstream::HeldResponse& response,
                                    const core::Headers& headers) {
  core::DocumentReply kept{response.result_int(), response.body(), "application/json", headers};
  if (auto type = response.find(bhttp::field::content_type); type != response.end()) kept.content_type = std::string(type->value());
  const core::Reply reply = kept;
  co_await send_reply(io, reply, ctx.head_request);
}

}  // namespace x402gw::http
