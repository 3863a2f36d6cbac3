#pragma once
// The head of the request the upstream gets, written straight from the client's head as parsed
// in place (net/request_head): no field container is built, no field erased or set one by one.
// It holds the same fields as the client's request after upstream/headers' edits (hop-by-hop,
// Expect, payment, client-controlled and forwarding headers removed; X-Forwarded-*, Forwarded,
// Host and the gateway's own headers set), in the order received, the gateway's fields last.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/reply.hpp"
#include "net/request_head.hpp"

namespace x402gw::upstream {

/// What the gateway changes in a request it forwards.
struct ForwardEdits {
  std::string_view target;                          // the upstream's target (base path, path, query)
  std::string host_header;                          // the Host the upstream sees
  const std::vector<std::string>* chain = nullptr;  // X-Forwarded-For as believed (the client first)
  bool from_trusted_proxy = false;
  std::string_view proto;                           // the scheme the client used
  std::string_view client_host;                     // the host routing used (X-Forwarded-Host)
  bool forward_payment_header = false;              // the route hands the payment header on
  const std::vector<std::string>* reserved = nullptr;  // headers only the gateway sets
  const core::Headers* request_headers = nullptr;   // the gateway's own (the payer, ...)
  std::optional<uint64_t> content_length;           // a body whose length the gateway knows: no chunked framing
};

/// Appends the request line (HTTP/1.1), the fields and the blank line the upstream gets.
void append_forwarded_head(std::string& out, const net::RequestHead& head, const ForwardEdits& edits);

}  // namespace x402gw::upstream
