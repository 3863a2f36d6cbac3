#pragma once
// Request framing checks beyond what Beast's parser enforces. A request whose length or target
// two HTTP implementations could read differently is refused (400, connection closed) rather
// than forwarded: that is how request smuggling starts.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "net/request_head.hpp"

namespace x402gw::http {

/// Why a parsed request header is refused, or nullopt. Checks: one Content-Length without a list,
/// Transfer-Encoding exactly "chunked" and only on HTTP/1.1, exactly one Host on HTTP/1.1.
std::optional<std::string> framing_problem(std::span<const net::RequestHead::Field> fields, unsigned version);

/// True when a raw request header (request line through the blank line) has an obsolete folded
/// line, which Beast would silently unfold.
bool has_obsolete_line_folding(std::string_view header);

/// Whether a method token has no lower-case letters. Methods are case-sensitive (RFC 9110): "head"
/// is not HEAD, yet an upstream that upper-cases methods would answer it as HEAD (a body-less
/// answer the gateway would wait on) and "get" as GET. Such tokens are refused, as nginx does.
bool method_is_upper_case(std::string_view method);

/// The payment header (PAYMENT-SIGNATURE or X-PAYMENT) sent more than once, or nullopt: the
/// gateway verifies one payment, and the upstream must not see another.
std::optional<std::string> duplicate_payment_header(std::span<const net::RequestHead::Field> fields);

/// Where the raw header in `bytes` ends (just past "\r\n\r\n"), or npos.
size_t header_end(std::string_view bytes);

}  // namespace x402gw::http
