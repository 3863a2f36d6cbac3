#pragma once
// The forward-auth mode: the gateway as the auth service that a reverse proxy already in place
// (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth, Envoy ext_authz) asks about each
// request. What the `forward_auth:` section configures: who is believed when naming the request.
#include <string>

namespace x402gw::config {

/// How a forward-auth listener tells its proxy from anyone else.
struct ForwardAuth {
  std::string secret;                                // shared secret the proxy sends; empty: trusted_proxies only
  std::string secret_header = "X-Forward-Auth-Secret";  // the header that carries it
  int line = 0;                                      // where `forward_auth:` is, for later checks
};

}  // namespace x402gw::config
