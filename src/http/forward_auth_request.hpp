#pragma once
// Forward-auth calls as data (no I/O): which endpoint a proxy called, and the original request it
// names, read from the headers that proxy sends. Each endpoint reads one family of headers only,
// the family its proxy's recipe sets (overwriting whatever the client sent), so a client cannot
// slip in a header of another family that the gateway would prefer.
#include <string>
#include <string_view>
#include <variant>

#include "net/request_head.hpp"

namespace x402gw::http {

/// The endpoints of a forward-auth listener.
enum class AuthEndpoint {
  generic,      // /auth: X-Forwarded-Method, -Uri, -Host, -Proto (Caddy, Traefik); non-2xx answers as they are
  nginx,        // /auth/nginx: X-Original-Method, -URI (or ingress-nginx's -URL), -Host; non-2xx answers become 401
  nginx_reply,  // /auth/nginx/reply: the real answer behind such a 401, for nginx's error_page location
  envoy,        // /auth/envoy<original path>: Envoy ext_authz's HTTP service (method and headers are the original's)
  unknown,      // any other path: 404
};

/// The endpoint label of metrics ("generic", "nginx", ...).
std::string_view endpoint_label(AuthEndpoint e);

/// Which endpoint a request target (path and query) calls.
AuthEndpoint endpoint_of(std::string_view target);

/// The request a proxy asks about.
struct OriginalRequest {
  std::string method;
  std::string target;   // origin-form (or absolute-form) as the client sent it; routing normalises it
  std::string host;     // "" when the proxy named none
  bool https = false;   // the client used https with the proxy
};

/// Reads the original request from a call to `endpoint` (not unknown), whose own method and target
/// are `method` and `target`. A string: why the call does not name one (a missing or repeated
/// header, a method that is no upper-case token).
std::variant<OriginalRequest, std::string> read_original(AuthEndpoint endpoint, net::HeadFields fields,
                                                         std::string_view method, std::string_view target);

/// Whether `fields` carry exactly one `header` equal to `secret` (compared in constant time).
/// An empty secret never matches.
bool secret_matches(net::HeadFields fields, std::string_view header, std::string_view secret);

}  // namespace x402gw::http
