#pragma once
// Request framing checks beyond what Beast's parser enforces. A request whose length or target
// two HTTP implementations could read differently is refused (400, connection closed) rather
// than forwarded: that is how request smuggling starts.
#include <boost/beast/http/fields.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace x402gw::http {

/// Why a parsed request header is refused, or nullopt. Checks: one Content-Length without a list,
/// Transfer-Encoding exactly "chunked" and only on HTTP/1.1, exactly one Host on HTTP/1.1.
std::optional<std::string> framing_problem(const ::boost::beast::http::fields& fields, unsigned version);

/// True when a raw request header (request line through the blank line) has an obsolete folded
/// line, which Beast would silently unfold.
bool has_obsolete_line_folding(std::string_view header);

/// Where the raw header in `bytes` ends (just past "\r\n\r\n"), or npos.
size_t header_end(std::string_view bytes);

}  // namespace x402gw::http
