#pragma once
// Who may use which admin endpoint: the pure checks behind the admin listener (no I/O).
//   - probes (/healthz, /readyz): anyone who reaches the listener;
//   - /metrics: anyone, or only with the token when admin.protect_metrics;
//   - control (POST /admin/*): never from a browser page of another site (Origin, Sec-Fetch-Site),
//     and only with `Authorization: Bearer <admin.token>`; without a configured token, only on a
//     loopback-only listener, to a loopback Host (no DNS rebinding), and without a form or
//     text/plain body (what a cross-site form or no-cors fetch can send).
#include <optional>
#include <string_view>

#include "core/reply.hpp"

namespace x402gw::http {

/// What the checks read from one admin request.
struct AdminRequestFacts {
  std::string_view host;                          // the Host header
  std::optional<std::string_view> origin;         // Origin, when sent
  std::optional<std::string_view> sec_fetch_site; // Sec-Fetch-Site, when sent
  std::optional<std::string_view> authorization;  // Authorization, when sent
  std::optional<std::string_view> content_type;   // Content-Type, when sent
};

/// How the admin endpoints are protected, from the configuration and the connection.
struct AdminPolicy {
  std::string_view token;          // empty: no token configured
  bool protect_metrics = false;
  bool loopback_only = false;      // the listener is bound to loopback and the connection came over it
};

/// Whether `authorization` is "Bearer <token>" (scheme case-insensitive); compares in constant time.
bool bearer_matches(std::optional<std::string_view> authorization, std::string_view token);
/// Whether a browser says the request comes from another site: a Sec-Fetch-Site other than
/// same-origin/none, or an Origin that is "null" or not this Host's.
bool cross_site(const AdminRequestFacts& request);
/// Whether a Host header names loopback: localhost, 127.0.0.0/8 or [::1], with or without a port.
bool loopback_host_header(std::string_view host);

/// The refusal of a control request (POST /admin/*), or nullopt when it may proceed.
std::optional<core::ErrorReply> check_control(const AdminRequestFacts& request, const AdminPolicy& policy);
/// The refusal of GET /metrics, or nullopt.
std::optional<core::ErrorReply> check_metrics(const AdminRequestFacts& request, const AdminPolicy& policy);

}  // namespace x402gw::http
