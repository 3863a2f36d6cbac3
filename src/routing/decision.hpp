#pragma once
// The pure request -> decision step (Beast's handle_request shape): from what the request header
// says and the live configuration, which route serves it and how, or why it is refused. No I/O.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/error.hpp"
#include "routing/path.hpp"

namespace x402gw::routing {

/// The facts of a request header that routing looks at.
struct RequestHead {
  std::string_view method;
  std::string_view target;
  std::string_view host_header;     // "" when absent
  unsigned version = 11;            // 10 or 11
};

/// What to do with a request.
struct Decision {
  enum class Kind {
    refuse,       // answer `error` with `message`
    discovery,    // serve the discovery document
    forward,      // a free route (or an unmatched request proxied to the default upstream)
    paid,         // a priced route: the paid flow decides
  };
  Kind kind = Kind::refuse;
  core::Error error = core::Error::bad_request;
  std::string message;
  bool close = false;               // the refusal leaves the connection unusable (a refused target)

  Target target;                    // canonical
  std::string host;                 // the authority routing used: lower case, no trailing dot, ":port" kept;
                                    // the upstream sees exactly this host ("" for HTTP/1.0 without Host)
  const config::Route* route = nullptr;
  const config::Upstream* upstream = nullptr;
  uint64_t max_request_body = 0;    // the route's limit, else the global one
};

/// Decides. An absolute-form target is routed on its own authority, which then replaces the Host
/// header (RFC 9112 section 3.2.2), so routing and the upstream see the same host.
Decision decide(const RequestHead& head, const config::Config& config);

}  // namespace x402gw::routing
