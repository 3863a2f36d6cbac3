#pragma once
// The `admin:` section: how the admin listener's endpoints are protected. Probes (/healthz,
// /readyz) are always open; /metrics is open unless protect_metrics; control endpoints
// (POST /admin/*) need the token, or, when none is configured, a listener bound to loopback.
#include <string>
#include <string_view>

namespace x402gw::config {

/// Admin endpoint protection.
struct Admin {
  std::string token;              // the bearer token of control endpoints; empty: none configured
  bool protect_metrics = false;   // /metrics needs the token too
  bool loopback_only = false;     // admin_listen is bound to a loopback address (set by the loader)
};

/// Whether a listen host is a loopback address or "localhost" ("" means every interface: no).
bool is_loopback_host(std::string_view host);

}  // namespace x402gw::config
