#include "http/forward_auth_request.hpp"

#include "core/strings.hpp"

namespace x402gw::http {
namespace {

constexpr std::string_view kEnvoyPrefix = "/auth/envoy";

// The value of a header sent exactly once; "" and `repeated` when sent more than once.
std::string_view single(net::HeadFields fields, std::string_view name, bool& repeated) {
  const auto id = boost::beast::http::string_to_field(name);
  const net::RequestHead::Field* found = nullptr;
  for (const auto& f : fields) {
    if (!net::RequestHead::matches(f, id, name)) continue;
    if (found) {
      repeated = true;
      return {};
    }
    found = &f;
  }
  return found ? found->value : std::string_view{};
}

// RFC 9110 token characters: what a method may be made of.
bool token(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '!' || c == '#' ||
          c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' || c == '^' || c == '`' || c == '|' || c == '~'))
      return false;
  return true;
}

// The first element of a list header such as X-Forwarded-Proto ("https, http": the first proxy's).
bool says_https(std::string_view proto) {
  const size_t comma = proto.find(',');
  std::string_view first = proto.substr(0, comma);
  while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) first.remove_prefix(1);
  while (!first.empty() && (first.back() == ' ' || first.back() == '\t')) first.remove_suffix(1);
  return core::iequals(first, "https");
}

// "host:port" without its port ("[::1]:80" is "[::1]").
std::string_view without_port(std::string_view authority) {
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return authority;
  const size_t bracket = authority.rfind(']');
  if (bracket != std::string_view::npos && bracket > colon) return authority;  // an IPv6 literal without a port
  return authority.substr(0, colon);
}

std::string path_of(std::string_view target) {
  const size_t q = target.find('?');
  return std::string(q == std::string_view::npos ? target : target.substr(0, q));
}

}  // namespace

std::string_view endpoint_label(AuthEndpoint e) {
  switch (e) {
    case AuthEndpoint::generic: return "generic";
    case AuthEndpoint::nginx: return "nginx";
    case AuthEndpoint::nginx_reply: return "nginx_reply";
    case AuthEndpoint::envoy: return "envoy";
    case AuthEndpoint::unknown: return "unknown";
  }
  return "unknown";
}

AuthEndpoint endpoint_of(std::string_view target) {
  const std::string path = path_of(target);
  if (path == "/auth") return AuthEndpoint::generic;
  if (path == "/auth/nginx") return AuthEndpoint::nginx;
  if (path == "/auth/nginx/reply") return AuthEndpoint::nginx_reply;
  if (path.rfind(kEnvoyPrefix, 0) == 0 && path.size() > kEnvoyPrefix.size() && path[kEnvoyPrefix.size()] == '/')
    return AuthEndpoint::envoy;
  return AuthEndpoint::unknown;
}

std::variant<OriginalRequest, std::string> read_original(AuthEndpoint endpoint, net::HeadFields fields,
                                                         std::string_view method, std::string_view target) {
  OriginalRequest o;
  bool repeated = false;
  std::string_view uri, host, proto;
  const char* method_name = "X-Forwarded-Method";
  const char* uri_name = "X-Forwarded-Uri";
  switch (endpoint) {
    case AuthEndpoint::generic:
      o.method = single(fields, "X-Forwarded-Method", repeated);
      uri = single(fields, "X-Forwarded-Uri", repeated);
      host = single(fields, "X-Forwarded-Host", repeated);
      if (host.empty()) host = single(fields, "Host", repeated);
      proto = single(fields, "X-Forwarded-Proto", repeated);
      break;
    case AuthEndpoint::nginx:
    case AuthEndpoint::nginx_reply: {
      method_name = "X-Original-Method";
      uri_name = "X-Original-URI";
      o.method = single(fields, "X-Original-Method", repeated);
      uri = single(fields, "X-Original-URI", repeated);
      host = single(fields, "X-Original-Host", repeated);
      proto = single(fields, "X-Forwarded-Proto", repeated);
      // ingress-nginx's auth-url sends the whole URL instead: scheme://host/path?query. It sets no
      // X-Original-URI and passes the client's own headers on, while the nginx recipe sets no
      // X-Original-URL: whichever one the proxy did not set may be the client's. So both, when
      // sent, must name the same request; the client cannot pick the one believed.
      if (std::string_view url = single(fields, "X-Original-URL", repeated); !url.empty()) {
        const size_t scheme_end = url.find("://");
        if (scheme_end == std::string_view::npos) return std::string("X-Original-URL is not an absolute URL");
        const std::string_view scheme = url.substr(0, scheme_end);
        const std::string_view rest = url.substr(scheme_end + 3);
        const size_t slash = rest.find('/');
        const std::string_view url_host = rest.substr(0, slash);
        const std::string_view url_uri = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
        if (!uri.empty() && uri != url_uri) return std::string("X-Original-URI and X-Original-URL name different requests");
        // ingress-nginx's URL carries the Host header's port; the recipe's X-Original-Host is
        // nginx's $host, which has none.
        if (!host.empty() && !core::iequals(host, url_host) && !core::iequals(host, without_port(url_host)))
          return std::string("X-Original-Host and X-Original-URL name different hosts");
        host = url_host;  // the same host, with the port the client named (for the 402's resource URL)
        uri = url_uri;
        if (proto.empty()) proto = scheme;
      }
      if (host.empty()) host = single(fields, "Host", repeated);
      break;
    }
    case AuthEndpoint::envoy:
      // Envoy calls path_prefix + the original path, with the original method and Host.
      o.method = std::string(method);
      uri = target.substr(kEnvoyPrefix.size());
      host = single(fields, "Host", repeated);
      proto = single(fields, "X-Forwarded-Proto", repeated);
      break;
    case AuthEndpoint::unknown: return std::string("no forward-auth endpoint at this path");
  }
  if (repeated) return std::string("a header naming the original request was sent more than once");
  if (o.method.empty()) return std::string(method_name) + " is missing: the proxy must name the original method";
  if (!token(o.method)) return std::string(method_name) + " is not an upper-case method token";
  if (uri.empty()) return std::string(uri_name) + " is missing: the proxy must name the original URI";
  o.target = std::string(uri);
  o.host = std::string(host);
  o.https = says_https(proto);
  return o;
}

bool secret_matches(net::HeadFields fields, std::string_view header, std::string_view secret) {
  if (secret.empty()) return false;
  bool repeated = false;
  const std::string_view sent = single(fields, header, repeated);
  if (repeated || sent.size() != secret.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < secret.size(); ++i) diff |= static_cast<unsigned char>(sent[i] ^ secret[i]);
  return diff == 0;
}

}  // namespace x402gw::http
