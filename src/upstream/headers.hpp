#pragma once
// Header rules for forwarding: hop-by-hop fields (RFC 9110 7.6.1), X-Forwarded-*, and the
// headers a client must never be able to set for the upstream.
#include <boost/beast/http/fields.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::upstream {

/// Removes Connection, the fields it names, and the other hop-by-hop fields. Transfer-Encoding is
/// left to Beast's framing (it re-frames chunked bodies itself).
void remove_hop_by_hop(boost::beast::http::fields& fields);

/// Appends the client to X-Forwarded-For and sets X-Forwarded-Proto and X-Forwarded-Host.
void add_forwarded(boost::beast::http::fields& fields, std::string_view client_ip, std::string_view proto,
                   std::string_view host);

/// Headers that some frameworks read as the request's path or method (X-Original-URL,
/// X-HTTP-Method-Override, ...): behind a gateway that prices by path and method they would let a
/// client name a priced resource while the gateway sees a free one. Never forwarded.
const std::vector<std::string_view>& override_headers();

/// Removes what a client must not be able to tell the upstream: the override headers and every
/// header the gateway itself sets for the upstream (`reserved`: the payer headers of all routes).
void remove_client_controlled(boost::beast::http::fields& fields, const std::vector<std::string>& reserved);

}  // namespace x402gw::upstream
