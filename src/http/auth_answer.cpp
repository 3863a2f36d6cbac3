#include "http/auth_answer.hpp"

#include <algorithm>

#include "core/strings.hpp"
#include "http/replies.hpp"

namespace x402gw::http {

core::Headers envoy_removals(const std::vector<std::string>& reserved, const core::Headers& set) {
  std::string names;
  for (const std::string& name : reserved) {
    const bool is_set = std::any_of(set.begin(), set.end(), [&](const auto& h) { return core::iequals(h.first, name); });
    if (!is_set) names += (names.empty() ? "" : ", ") + name;
  }
  if (names.empty()) return {};
  return {{"x-envoy-auth-headers-to-remove", names}};
}

awaitable<upstream::ForwardResult> AuthAnswer::stream(routing::RequestContext& ctx, net::ClientIo& io,
                                                      const upstream::ForwardOptions& options) {
  core::DocumentReply allowed{200, {}, "text/plain", options.request_headers};
  for (const auto& h : options.response_headers) allowed.headers.push_back(h);
  if (envoy_reserved_)
    for (auto& h : envoy_removals(*envoy_reserved_, options.request_headers)) allowed.headers.push_back(std::move(h));
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
