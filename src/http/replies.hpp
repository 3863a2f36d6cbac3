#pragma once
// The one map from errors and outcomes to replies, and the one place that renders the gateway's own
// replies: every 4xx and 5xx, every 402 challenge, the discovery document and the admin
// listener's answers. Error bodies are JSON {"error": public code, "message": sentence}.
#include <string>
#include <string_view>

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

/// A reply as the bytes that go out: the head written by hand and the body, which points into
/// the reply rendered (an error's JSON body is made here and held): the reply must outlive it.
struct WireReply {
  unsigned status = 0;
  std::string head;
  std::string_view borrowed_body;
  std::string owned_body;
  bool owns_body = false;
  bool head_only = false;  // a HEAD request: the Content-Length of the body, not the body
  std::string_view body() const { return head_only ? std::string_view{} : owns_body ? owned_body : borrowed_body; }
};

/// Renders a reply as a response of HTTP `version` (10 or 11). `head`: the Content-Length stays,
/// the body goes.
WireReply render(const core::Reply& reply, unsigned version, bool keep_alive, bool head);

/// The code the access log and metrics record for a reply ("" for a plain challenge or a document).
std::string recorded_error(const core::Reply& reply);

/// Writes a reply to the client. An unread request body would be taken for the next request: the
/// connection closes after it instead.
awaitable<void> send_reply(net::ClientIo& io, const core::Reply& reply, bool head);

}  // namespace x402gw::http
