#include "http/https_redirect.hpp"

namespace x402gw::http {

std::optional<std::string> acme_challenge_token(std::string_view path) {
  constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view token = path.substr(kPrefix.size());
  // Tokens are base64url (RFC 8555 section 8.3): anything else is no token of ours.
  if (token.empty() || token.size() > 256) return std::nullopt;
  for (char c : token)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return std::nullopt;
  return std::string(token);
}

core::Reply https_redirect(std::string_view host, std::string_view path_and_query, uint16_t https_port) {
  std::string_view name = host;
  // Drop the plain listener's port; keep an IPv6 literal's brackets.
  if (const size_t colon = host.rfind(':'); colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos)
    name = host.substr(0, colon);
  if (name.empty())
    return core::ErrorReply{core::Error::bad_request, "this listener redirects to https and needs a Host header to do so", {}};
  std::string location = "https://" + std::string(name);
  if (https_port != 443 && https_port != 0) location += ":" + std::to_string(https_port);
  location += path_and_query;
  return core::DocumentReply{308, "{\"error\":\"https_required\",\"message\":\"use https\"}", "application/json",
                             {{"Location", std::move(location)}}};
}

}  // namespace x402gw::http
