#pragma once
// One request in flight, as data: the configuration it is served by, what routing decided, and the
// record of what happened (filled in by whoever acts, read by the access log and metrics). The
// client's I/O is apart (net::ClientIo), and so are the services (payment::Services).
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/exchange_record.hpp"
#include "routing/decision.hpp"

namespace x402gw::routing {

/// The data of one exchange.
struct RequestContext {
  const config::Config& config;
  Decision decision;
  bool head_request = false;        // HEAD: answers carry no body
  core::ExchangeRecord record;
  std::vector<std::string> forwarded_chain;  // who the request passed through, as believed: the client (record.client) first, the hop last; empty: the client is unknown
  bool tls = false;                 // the request came over TLS
  bool from_trusted_proxy = false;  // the hop is in trusted_proxies: the forwarding headers it sent reach the upstream

  const config::Route* route() const { return decision.route; }
  const config::Upstream* upstream() const { return decision.upstream; }
  const Target& target() const { return decision.target; }
  const std::string& host() const { return decision.host; }
  /// The scheme the client used: resource URLs and X-Forwarded-Proto say it.
  std::string scheme() const { return tls ? "https" : "http"; }
};

}  // namespace x402gw::routing
