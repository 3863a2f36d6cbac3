#pragma once
// Forward-auth listeners (`mode: forward_auth`): the gateway as the auth service of a reverse
// proxy already in place. The proxy names the original request in headers (forward_auth_request);
// the gateway routes it exactly as its own reverse proxy would (routing::decide on the same
// canonical path), and answers: 2xx to let it through (with the payer and the receipt, after
// settling, for a paid one), or the answer the client must see (the 402 challenge, a refusal).
#include "config/config.hpp"
#include "http/forward_auth_request.hpp"
#include "http/server_state.hpp"
#include "net/client_io.hpp"
#include "net/worker_context.hpp"
#include "routing/request_context.hpp"

namespace x402gw::http {

/// One call to a forward-auth listener, read from its header.
struct ForwardAuthCall {
  AuthEndpoint endpoint = AuthEndpoint::unknown;
  bool trusted = false;       // the caller is in trusted_proxies or sent the shared secret
  bool https = false;         // the original request came over https (its resource URL says so)
  routing::Decision decision; // the original request's route, or why the call is refused
};

/// Reads a call: its endpoint, whether its caller is believed (`hop_trusted`: the peer is in
/// trusted_proxies; else the shared secret decides), and the original request's decision. A caller
/// that is not believed is refused (403 forward_auth_untrusted) whatever it names.
ForwardAuthCall forward_auth_call(const config::Config& config, net::HeadFields fields, std::string_view method,
                                  std::string_view target, bool hop_trusted);

/// Overload for the parsed request.
inline ForwardAuthCall forward_auth_call(const config::Config& config, const net::RequestHead& head, bool hop_trusted) {
  return forward_auth_call(config, head.fields(), head.method_string(), head.target(), hop_trusted);
}

/// Answers one call (the answer is written here, and counted in x402gw_forward_auth_total).
awaitable<void> answer_forward_auth(const ForwardAuthCall& call, routing::RequestContext& ctx, net::ClientIo& io, ServerState& state,
                                    net::WorkerContext& worker);

}  // namespace x402gw::http
