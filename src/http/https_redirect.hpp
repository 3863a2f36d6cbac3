#pragma once
// What a plain listener answers before routing: ACME HTTP-01 validations, and, on a listener with
// redirect_https, a permanent redirect of everything else to the https listener. Pure: the caller
// passes what it knows.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/reply.hpp"

namespace x402gw::http {

/// The token of an ACME HTTP-01 validation path (/.well-known/acme-challenge/<token>), else nullopt.
std::optional<std::string> acme_challenge_token(std::string_view path);

/// The 308 that sends a request for `host` (canonical, maybe with ":port") and `path_and_query`
/// to the same resource on https at `https_port` (443 is left out of the URL).
core::Reply https_redirect(std::string_view host, std::string_view path_and_query, uint16_t https_port);

}  // namespace x402gw::http
