#pragma once
// Header rules for forwarding: hop-by-hop fields (RFC 9110 7.6.1), X-Forwarded-*, and the
// headers a client must never be able to set for the upstream.
#include <boost/beast/http/fields.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::upstream {

/// Whether a field is hop-by-hop by its name alone: Connection, Keep-Alive, Proxy-Connection, TE,
/// Trailer, Upgrade, Proxy-Authorization, Proxy-Authenticate.
bool hop_by_hop(boost::beast::http::field name);

/// Calls `f(name)` for each field name a Connection header value lists (trimmed, empty tokens
/// skipped), except the framing fields Transfer-Encoding and Content-Length: those are never
/// stripped, whatever Connection says.
template <class F>
void for_each_connection_name(std::string_view value, F&& f);

/// Whether a field named `field` reads as `name` to a server that ignores case and maps '-' and
/// '_' alike (CGI-style servers).
bool same_variable(std::string_view field, std::string_view name);

/// The value of Forwarded (RFC 7239) the gateway sets: one element per `chain` entry (`for=unknown`
/// when empty), the first with `client_host` (if any) and the scheme: `scheme_said` (the first
/// X-Forwarded-Proto element) when it is http or https in any case, else `proto`.
std::string forwarded_value(const std::vector<std::string>& chain, std::string_view scheme_said, std::string_view proto,
                            std::string_view client_host);

/// Removes every field whose name is one of `names`, in any letter case and in any spelling with
/// '_' for '-' (`X_Forwarded_For`): CGI-style servers (PHP, WSGI and Rack servers) turn both
/// spellings into the same variable, HTTP_X_FORWARDED_FOR, so an underscore spelling the gateway
/// let through would collide with, or replace, the field it removed or set.
void erase_fields(boost::beast::http::fields& fields, const std::vector<std::string_view>& names);

/// Removes Connection, the fields it names, and the other hop-by-hop fields. Transfer-Encoding is
/// left to Beast's framing (it re-frames chunked bodies itself).
void remove_hop_by_hop(boost::beast::http::fields& fields);

/// The headers by which a proxy tells the next server who the client is, which scheme, host,
/// port, path prefix or client certificate it used (X-Forwarded-*, Forwarded, X-Real-IP,
/// True-Client-IP, Front-End-Https, Client-Cert, ...). Upstreams believe them (Spring's
/// ForwardedHeaderFilter, Rails, Express's trust proxy, nginx's realip): from anyone but a trusted
/// proxy they are forgeries.
const std::vector<std::string_view>& forwarding_headers();

/// Sets the forwarding headers of a request to what the gateway knows, so that the upstream can
/// believe them:
///   - From a hop that is not a trusted proxy, every header of forwarding_headers() is removed
///     first; from a trusted proxy they are kept as it sent them.
///   - X-Forwarded-For is `chain` (peer::believed_chain: the client first, the hop last) and
///     X-Real-IP its first entry; both are absent when the client is unknown (empty chain).
///   - X-Forwarded-Proto is `proto` and X-Forwarded-Host is `host` (when not empty), unless a
///     trusted proxy sent its own.
///   - Forwarded (RFC 7239) is always the gateway's: one element per chain entry, the first with
///     the host and scheme the client used (`for=unknown` for an unknown client).
void set_forwarding(boost::beast::http::fields& fields, const std::vector<std::string>& chain, bool from_trusted_proxy,
                    std::string_view proto, std::string_view host);

/// Headers that some frameworks read as the request's path or method (X-Original-URL,
/// X-HTTP-Method-Override, ...): behind a gateway that prices by path and method they would let a
/// client name a priced resource while the gateway sees a free one; and `Proxy` (httpoxy: a
/// CGI-style server makes it HTTP_PROXY, which HTTP client libraries use). Never forwarded.
const std::vector<std::string_view>& override_headers();

/// Removes what a client must not be able to tell the upstream: the override headers and every
/// header the gateway itself sets for the upstream (`reserved`: the payer headers of all routes),
/// and `Settlement-Overrides`, which only an upstream says (to the gateway).
void remove_client_controlled(boost::beast::http::fields& fields, const std::vector<std::string>& reserved);

template <class F>
void for_each_connection_name(std::string_view value, F&& f) {
  namespace bhttp = boost::beast::http;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = value.find(',', start);
    std::string_view token = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty()) {
      const bhttp::field known = bhttp::string_to_field(token);
      if (known != bhttp::field::transfer_encoding && known != bhttp::field::content_length) f(token);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

}  // namespace x402gw::upstream
