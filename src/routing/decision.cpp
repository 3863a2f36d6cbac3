#include "routing/decision.hpp"

#include <variant>

#include "core/strings.hpp"
#include "routing/host.hpp"

namespace x402gw::routing {
namespace {

Decision refuse(core::Error error, std::string message, bool close = false) {
  Decision d;
  d.kind = Decision::Kind::refuse;
  d.error = error;
  d.message = std::move(message);
  d.close = close;
  return d;
}

}  // namespace

Decision decide(const RequestHead& head, const config::Config& config) {
  if (core::iequals(head.method, "CONNECT"))
    return refuse(core::Error::bad_request, "CONNECT is not supported: this is a reverse proxy");

  auto normalised = normalise_target(head.target, config.limits.max_target_bytes);
  if (auto* error = std::get_if<TargetError>(&normalised)) {
    const auto code = *error == TargetError::too_long            ? core::Error::target_too_long
                      : *error == TargetError::invalid_authority ? core::Error::invalid_host
                                                                 : core::Error::invalid_target;
    return refuse(code, std::string(describe(*error)), true);
  }
  Decision d;
  d.target = std::get<Target>(std::move(normalised));

  // The authority of an absolute-form target wins over the Host header.
  const std::string_view authority = !d.target.authority.empty() ? std::string_view(d.target.authority) : head.host_header;
  std::optional<Authority> parsed;  // what host-restricted routes compare with
  if (authority.empty()) {
    if (head.version >= 11) return refuse(core::Error::bad_request, "an HTTP/1.1 request needs a Host header");
  } else {
    parsed = parse_authority(authority);
    if (!parsed) return refuse(core::Error::invalid_host, "the Host is not a valid host name or IP address", true);
    d.host = parsed->host;
    if (parsed->port) d.host += ":" + std::to_string(*parsed->port);
  }

  const bool get_like = core::iequals(head.method, "GET") || core::iequals(head.method, "HEAD");
  if (config.discovery && get_like && d.target.match_key == "/.well-known/x402") {
    d.kind = Decision::Kind::discovery;
    return d;
  }

  auto index = config.table.find(head.method, parsed, d.target.match_key);
  d.max_request_body = config.limits.max_request_body;
  if (!index) {
    if (config.unmatched == config::Unmatched::not_found) {
      Decision r = refuse(core::Error::route_not_found, "no route matches " + core::to_upper(head.method) + " " + d.target.path);
      r.target = std::move(d.target);
      r.host = std::move(d.host);
      return r;
    }
    d.kind = Decision::Kind::forward;
    d.upstream = &config.upstreams.at(config.default_upstream);
    return d;
  }
  d.route = &config.routes[*index];
  d.upstream = &config.upstreams.at(d.route->upstream);
  if (d.route->max_request_body) d.max_request_body = d.route->max_request_body;
  d.kind = d.route->priced ? Decision::Kind::paid : Decision::Kind::forward;
  return d;
}

}  // namespace x402gw::routing
