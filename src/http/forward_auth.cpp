#include "http/forward_auth.hpp"

#include "http/auth_answer.hpp"
#include "http/nginx_replies.hpp"
#include "http/paid_route.hpp"
#include "http/replies.hpp"
#include "metrics/gateway_metrics.hpp"
#include "upstream/headers.hpp"

namespace x402gw::http {
namespace {

using core::Error;

// The header of /auth/nginx's 401 that names the real answer kept for /auth/nginx/reply; the
// nginx recipe reads it with auth_request_set and sends it back on the reply call.
constexpr const char* kReplyTokenHeader = "X-X402-Reply";

routing::Decision refusal(Error error, std::string message) {
  routing::Decision d;
  d.kind = routing::Decision::Kind::refuse;
  d.error = error;
  d.message = std::move(message);
  return d;
}

// Every process has one store: nginx's reply call may arrive on any worker thread.
NginxReplies& nginx_replies() {
  static NginxReplies replies;
  return replies;
}

// The status a reply is written with (what the proxy, or for nginx the client, gets).
unsigned status_of_reply(const core::Reply& reply) {
  if (auto* e = std::get_if<core::ErrorReply>(&reply)) return status_of(e->error);
  if (std::holds_alternative<core::ChallengeReply>(reply)) return 402;
  return std::get<core::DocumentReply>(reply).status;
}

// The metrics outcome of a call answered with `status` (the real one, before nginx's 401).
std::string_view outcome_of(const routing::RequestContext& ctx, unsigned status) {
  if (status >= 200 && status < 300) return ctx.route() && ctx.route()->priced ? "paid" : "allowed";
  if (status == 402) return "payment_required";
  if (status >= 500) return "error";
  return "refused";
}

awaitable<void> write(routing::RequestContext& ctx, net::ClientIo& io, const core::Reply& reply) {
  ctx.record.error = recorded_error(reply);
  co_await send_reply(io, reply, ctx.head_request);
}

}  // namespace

ForwardAuthCall forward_auth_call(const config::Config& config, net::HeadFields fields, std::string_view method,
                                  std::string_view target, bool hop_trusted) {
  ForwardAuthCall call;
  call.endpoint = endpoint_of(target);
  call.trusted = hop_trusted || secret_matches(fields, config.forward_auth.secret_header, config.forward_auth.secret);
  // Checked first: an untrusted caller learns nothing, not even which of its headers were wrong.
  if (!call.trusted) {
    call.decision = refusal(Error::forward_auth_untrusted,
                            "this forward-auth endpoint answers only its proxies: the caller is not in trusted_proxies and did "
                            "not send the shared secret");
    return call;
  }
  if (call.endpoint == AuthEndpoint::unknown) {
    call.decision = refusal(Error::forward_auth_not_found,
                            "a forward-auth listener serves /auth (Caddy, Traefik), /auth/nginx and /auth/nginx/reply (nginx), "
                            "and /auth/envoy/... (Envoy ext_authz)");
    return call;
  }
  auto original = read_original(call.endpoint, fields, method, target);
  if (auto* why = std::get_if<std::string>(&original)) {
    call.decision = refusal(Error::forward_auth_incomplete, *why);
    return call;
  }
  const OriginalRequest& o = std::get<OriginalRequest>(original);
  call.https = o.https;
  // The very routing of the reverse proxy: the same canonical path, host rules and refusals.
  const routing::RequestHead head{o.method, o.target, o.host, 11};
  call.decision = routing::decide(head, config);
  call.decision.close = false;  // the proxy's connection is not the client's: it stays usable
  return call;
}

awaitable<void> answer_forward_auth(const ForwardAuthCall& call, routing::RequestContext& ctx, net::ClientIo& io, ServerState& state,
                                    net::WorkerContext& worker) {
  const std::string_view endpoint = endpoint_label(call.endpoint);
  auto count = [&](std::string_view outcome) {
    if (state.metrics) state.metrics->forward_auth(endpoint, outcome);
  };
  const routing::Decision& d = ctx.decision;
  if (io.body_pending()) io.must_close();  // an auth call's body is never read

  if (d.kind == routing::Decision::Kind::refuse &&
      (d.error == Error::forward_auth_untrusted || d.error == Error::forward_auth_incomplete || d.error == Error::forward_auth_not_found)) {
    // The call itself is refused (not the original request): answered as is, on every endpoint.
    const core::Reply reply = core::ErrorReply{d.error, d.message, {}};
    co_await write(ctx, io, reply);
    count(d.error == Error::forward_auth_untrusted ? "untrusted" : "incomplete");
    co_return;
  }

  if (call.endpoint == AuthEndpoint::nginx_reply) {
    // The real answer /auth/nginx kept; served once.
    if (const auto* token = io.head().find(kReplyTokenHeader))
      if (std::optional<core::Reply> kept = nginx_replies().take(std::string(token->value))) {
        co_await write(ctx, io, *kept);
        count(outcome_of(ctx, status_of_reply(*kept)));
        co_return;
      }
    // Unknown or expired (another replica answered the auth call, or it is older than 30 s): the
    // answer this request gets without a payment, so that nothing is paid twice.
    io.parser().erase_if([](const net::RequestHead::Field& f) {
      return upstream::same_variable(f.name, "X-PAYMENT") || upstream::same_variable(f.name, "PAYMENT-SIGNATURE");
    });
  }

  std::optional<core::Reply> reply;
  if (d.kind == routing::Decision::Kind::refuse) {
    reply = core::ErrorReply{d.error, d.message, {}};
  } else if (d.kind == routing::Decision::Kind::paid) {
    AuthAnswer answer(call.endpoint == AuthEndpoint::envoy ? &ctx.config.reserved_headers : nullptr);
    reply = co_await run_priced(state, worker, ctx, io, answer);
  } else {
    // A free route, an unmatched request with `unmatched: proxy`, the discovery document's path:
    // what the reverse proxy would forward without a payment goes on.
    reply = core::DocumentReply{200, {}, "text/plain", call.endpoint == AuthEndpoint::envoy ? envoy_removals(ctx.config.reserved_headers, {}) : core::Headers{}};
  }
  if (!reply) {  // answered by the flow (2xx after settling), or nobody left to answer
    count(io.response_started() ? outcome_of(ctx, io.status) : "error");
    co_return;
  }
  const unsigned status = status_of_reply(*reply);
  count(outcome_of(ctx, status));
  if (call.endpoint == AuthEndpoint::nginx && (status < 200 || status >= 300)) {
    // nginx passes only 401 and 403 from an auth subrequest: 401 names the real answer.
    ctx.record.error = recorded_error(*reply);
    const core::Reply deferred = core::DocumentReply{401, {}, "text/plain", {{kReplyTokenHeader, nginx_replies().put(std::move(*reply))}}};
    co_await send_reply(io, deferred, ctx.head_request);
    co_return;
  }
  co_await write(ctx, io, *reply);
}

}  // namespace x402gw::http
