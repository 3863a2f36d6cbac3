#pragma once
// Whether a request is a browser's navigation, from its Accept header alone (pure, no I/O).
#include <string_view>

namespace x402gw::http {

/// True when `accept` names text/html (or application/xhtml+xml) and prefers it to JSON by their
/// q-values (RFC 9110 12.5.1: the most specific range that matches a type gives its q). `*/*`
/// alone, JSON ranked at least as high, or text/html;q=0 is not a browser's navigation.
bool prefers_html(std::string_view accept);

}  // namespace x402gw::http
