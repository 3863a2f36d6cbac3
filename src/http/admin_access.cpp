#include "http/admin_access.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "core/strings.hpp"

namespace x402gw::http {
namespace {

bool iequals(std::string_view a, std::string_view b) { return core::to_lower(a) == core::to_lower(b); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

core::ErrorReply unauthorized(std::string message) {
  return core::ErrorReply{core::Error::admin_unauthorized, std::move(message),
                          {{"WWW-Authenticate", "Bearer realm=\"x402-gateway admin\""}}};
}

// The media type without parameters, lower case.
std::string media_type(std::string_view content_type) {
  return core::to_lower(trim(content_type.substr(0, content_type.find(';'))));
}

}  // namespace

bool bearer_matches(std::optional<std::string_view> authorization, std::string_view token) {
  if (!authorization || token.empty()) return false;
  std::string_view value = trim(*authorization);
  const auto space = value.find(' ');
  if (space == std::string_view::npos || !iequals(value.substr(0, space), "bearer")) return false;
  const std::string_view presented = trim(value.substr(space + 1));
  // Digests of both, compared with CRYPTO_memcmp: the time depends on neither the token's
  // content nor its length.
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

bool cross_site(const AdminRequestFacts& request) {
  if (request.sec_fetch_site) {
    const std::string site = core::to_lower(trim(*request.sec_fetch_site));
    if (site != "same-origin" && site != "none") return true;
  }
  if (request.origin) {
    const std::string origin = core::to_lower(trim(*request.origin));
    const std::string host = core::to_lower(trim(request.host));
    if (host.empty() || (origin != "http://" + host && origin != "https://" + host)) return true;
  }
  return false;
}

bool loopback_host_header(std::string_view host) {
  host = trim(host);
  std::string_view name = host;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = host.substr(1, close - 1);
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    return name == "::1";
  }
  name = host.substr(0, host.find(':'));
  const std::string lower = core::to_lower(name);
  if (lower == "localhost") return true;
  if (lower.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : lower) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

std::optional<core::ErrorReply> check_control(const AdminRequestFacts& request, const AdminPolicy& policy) {
  if (cross_site(request))
    return core::ErrorReply{core::Error::admin_cross_site, "the admin endpoints refuse requests from other sites", {}};
  if (!policy.token.empty()) {
    if (!request.authorization) return unauthorized("this endpoint needs Authorization: Bearer <admin.token>");
    if (!bearer_matches(request.authorization, policy.token)) return unauthorized("the admin token is not valid");
    return std::nullopt;
  }
  if (!policy.loopback_only)
    return core::ErrorReply{core::Error::admin_token_required,
                            "set admin.token (or admin.token_file): without one, control endpoints are served only on a "
                            "loopback admin_listen",
                            {}};
  // No token: the listener's address is the only protection, so the request must be one a page in
  // a browser cannot make: a loopback Host (a rebound DNS name is refused) and no form body.
  if (!loopback_host_header(request.host))
    return core::ErrorReply{core::Error::admin_cross_site, "without admin.token, control requests must name a loopback Host", {}};
  if (request.content_type) {
    const std::string type = media_type(*request.content_type);
    if (type == "text/plain" || type == "application/x-www-form-urlencoded" || type == "multipart/form-data")
      return core::ErrorReply{core::Error::admin_cross_site,
                              "without admin.token, control requests must not carry a form or text/plain body", {}};
  }
  return std::nullopt;
}

std::optional<core::ErrorReply> check_metrics(const AdminRequestFacts& request, const AdminPolicy& policy) {
  if (!policy.protect_metrics || policy.token.empty()) return std::nullopt;
  if (!bearer_matches(request.authorization, policy.token))
    return unauthorized("/metrics needs Authorization: Bearer <admin.token> (admin.protect_metrics)");
  return std::nullopt;
}

}  // namespace x402gw::http
