#pragma once
// Header rules for forwarding: hop-by-hop fields (RFC 9110 7.6.1), X-Forwarded-*, and the
// headers a client must never be able to set for the upstream (the payer).
#include <boost/beast/http/fields.hpp>
#include <string_view>

namespace x402gw::upstream {

/// Removes Connection, the fields it names, and the other hop-by-hop fields. Transfer-Encoding is
/// left to Beast's framing (it re-frames chunked bodies itself).
void remove_hop_by_hop(boost::beast::http::fields& fields);

/// Appends the client to X-Forwarded-For and sets X-Forwarded-Proto and X-Forwarded-Host.
void add_forwarded(boost::beast::http::fields& fields, std::string_view client_ip, std::string_view proto,
                   std::string_view host);

}  // namespace x402gw::upstream
