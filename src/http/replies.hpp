#pragma once
// The one map from errors and outcomes to replies, and the one place that renders the gateway's own
// replies: every 4xx and 5xx, every 402 challenge, the discovery document and the admin
// listener's answers. Error bodies are JSON {"error": public code, "message": sentence}.
#include <boost/beast/http/string_body.hpp>

#include "core/error.hpp"
#include "core/reply.hpp"
#include "net/asio.hpp"
#include "net/client_io.hpp"

namespace x402gw::http {

/// The HTTP status of an error: client faults 4xx, upstream faults 502/504, facilitator faults
/// 502/503/504, a missing store 503, our own 500.
unsigned status_of(core::Error e);

/// The JSON error body: {"error": public code, "message": sentence}; safe for any bytes.
std::string error_body(core::Error e, std::string_view message);

/// Renders a reply as a response of HTTP `version`. `head`: the Content-Length stays, the body goes.
bhttp::response<bhttp::string_body> render(const core::Reply& reply, unsigned version, bool keep_alive, bool head);

/// The code the access log and metrics record for a reply ("" for a plain challenge or a document).
std::string recorded_error(const core::Reply& reply);

/// Writes a reply to the client. An unread request body would be taken for the next request: the
/// connection closes after it instead.
awaitable<void> send_reply(net::ClientIo& io, const core::Reply& reply, bool head);

}  // namespace x402gw::http
