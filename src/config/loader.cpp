#include "config/loader.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "config/admin_reader.hpp"
#include "config/auth_reader.hpp"
#include "config/forward_auth_reader.hpp"
#include "config/paywall_reader.hpp"
#include "config/route_builder.hpp"
#include "config/state_reader.hpp"
#include "config/testnet_facilitators.hpp"
#include "config/yaml_reader.hpp"
#include "x402/networks.hpp"
#include "core/strings.hpp"

namespace x402gw::config {
namespace {

std::string fnv1a_hex(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::optional<ListenAddress> read_listen(YamlReader& r, const YAML::Node& node, const std::string& path) {
  // A plain "host:port", or a map that says more about the listener.
  const bool is_map = node.IsMap();
  if (is_map && !r.expect_map(node, path, {"address", "proxy_protocol"})) return std::nullopt;
  const YAML::Node at = is_map ? node["address"] : node;
  std::optional<std::string> text = is_map ? r.string(node, "address", path, true) : r.scalar(node, path);
  if (!text) return std::nullopt;
  std::string why;
  auto a = parse_listen_address(*text, &why);
  if (!a) r.error(at, is_map ? YamlReader::join(path, "address") : path, why + ", got '" + *text + "'");
  if (a && is_map)
    if (auto v = r.boolean(node, "proxy_protocol", path)) a->proxy_protocol = *v;
  return a;
}

void read_trusted_proxies(YamlReader& r, const YAML::Node& node, peer::TrustedProxies& trusted) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    r.error(node, "trusted_proxies", "trusted_proxies is a list of addresses or CIDR ranges, e.g. [10.0.0.0/8, \"::1\"]");
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string path = YamlReader::index("trusted_proxies", i);
    auto text = r.scalar(node[i], path);
    if (!text) continue;
    std::string why;
    if (auto cidr = peer::parse_cidr(*text, &why)) trusted.ranges.push_back(*cidr);
    else r.error(node[i], path, why + ", got '" + *text + "'");
  }
}

// What only the whole list of listeners can tell: a redirect needs an https listener to point at.
void check_listeners(YamlReader& r, const YAML::Node& node, const Config& c) {
  bool redirect = false, tls = false;
  for (const auto& l : c.listen) redirect |= l.redirect_https, tls |= l.tls.has_value();
  if (redirect && !tls) r.error(node, "listen", "redirect_https needs a listener with tls to redirect to");
}

void read_tls(YamlReader& r, const YAML::Node& node, const std::string& path, TlsClient& tls) {
  if (!node.IsDefined()) return;
  if (!r.expect_map(node, path, {"ca_file", "insecure_skip_verify", "server_name"})) return;
  if (auto v = r.string(node, "ca_file", path)) tls.ca_file = *v;
  if (auto v = r.boolean(node, "insecure_skip_verify", path)) tls.insecure_skip_verify = *v;
  if (auto v = r.string(node, "server_name", path)) tls.server_name = *v;
}

std::optional<Url> read_url(YamlReader& r, const YAML::Node& node, const std::string& path) {
  auto text = r.string(node, "url", path, true);
  if (!text) return std::nullopt;
  std::string why;
  auto url = parse_url(*text, &why);
  if (!url) r.error(node["url"], YamlReader::join(path, "url"), why + ", got '" + *text + "'");
  return url;
}

void read_upstreams(YamlReader& r, const YAML::Node& node, Config& c) {
  if (!node.IsDefined() || !node.IsMap() || node.size() == 0) {
    r.error(node.IsDefined() ? node : YAML::Node(), "upstreams",
            "at least one upstream is required, e.g. upstreams: { api: { url: \"http://127.0.0.1:3000\" } }");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string path = "upstreams." + it->first.Scalar();
    const YAML::Node u = it->second;  // a copy: it->second is a temporary proxy
    Upstream up;
    up.name = it->first.Scalar();
    if (u.IsScalar()) {  // shorthand: `api: "http://127.0.0.1:3000"`
      if (auto text = r.scalar(u, path)) {
        std::string why;
        if (auto url = parse_url(*text, &why)) up.url = *url;
        else r.error(u, path, why + ", got '" + *text + "'");
      }
      c.upstreams.push_back(std::move(up));
      continue;
    }
    if (!r.expect_map(u, path,
                      {"url", "connect_timeout", "timeout", "max_idle_connections", "idle_timeout", "preserve_host", "tls"}))
      continue;
    if (auto url = read_url(r, u, path)) up.url = *url;
    if (auto v = r.duration(u, "connect_timeout", path)) up.connect_timeout = *v;
    if (auto v = r.duration(u, "timeout", path)) up.timeout = *v;
    if (auto v = r.integer(u, "max_idle_connections", path, 0, 100000)) up.max_idle_connections = static_cast<size_t>(*v);
    if (auto v = r.duration(u, "idle_timeout", path)) up.idle_timeout = *v;
    if (auto v = r.boolean(u, "preserve_host", path)) up.preserve_host = *v;
    read_tls(r, u["tls"], YamlReader::join(path, "tls"), up.tls);
    c.upstreams.push_back(std::move(up));
  }
  for (auto& up : c.upstreams) up.pool_key = up.name + "|" + up.url.to_string();
}

void read_breaker(YamlReader& r, const YAML::Node& node, const std::string& path, BreakerSettings& b) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.expect_map(node, path, {"failures", "open_for"})) return;
  if (auto v = r.integer(node, "failures", path, 1, 1000)) b.failures = static_cast<int>(*v);
  if (auto v = r.duration(node, "open_for", path)) {
    if (*v < 100ms) r.error(node["open_for"], YamlReader::join(path, "open_for"), "open_for is at least 100ms");
    else b.open_for = *v;
  }
}

void read_facilitators(YamlReader& r, const YAML::Node& node, Config& c) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    r.error(node, "facilitators", "expected a mapping of name: { url: ... }");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string path = "facilitators." + it->first.Scalar();
    const YAML::Node f = it->second;  // a copy: it->second is a temporary proxy
    if (!r.expect_map(f, path, {"url", "timeout", "connect_timeout", "headers", "auth", "max_idle_connections", "idle_timeout", "tls", "breaker"})) continue;
    Facilitator fac;
    fac.name = it->first.Scalar();
    if (auto url = read_url(r, f, path)) fac.url = *url;
    if (auto v = r.duration(f, "timeout", path)) fac.timeout = *v;
    if (auto v = r.duration(f, "connect_timeout", path)) fac.connect_timeout = *v;
    if (auto v = r.duration(f, "idle_timeout", path)) fac.idle_timeout = *v;
    if (auto v = r.integer(f, "max_idle_connections", path, 0, 100000)) fac.max_idle_connections = static_cast<size_t>(*v);
    read_tls(r, f["tls"], YamlReader::join(path, "tls"), fac.tls);
    read_breaker(r, f["breaker"], YamlReader::join(path, "breaker"), fac.breaker);
    YAML::Node headers = f["headers"];
    if (headers.IsDefined()) {
      if (!headers.IsMap()) {
        r.error(headers, YamlReader::join(path, "headers"), "headers must be a mapping of Name: value");
      } else {
        for (auto h = headers.begin(); h != headers.end(); ++h) {
          auto value = r.scalar(h->second, YamlReader::join(path, "headers." + h->first.Scalar()));
          if (value) fac.headers.emplace_back(h->first.Scalar(), *value);
        }
      }
    }
    fac.auth = read_facilitator_auth(r, f["auth"], YamlReader::join(path, "auth"), fac.headers);
    if (fac.auth && !fac.url.tls && !is_loopback_host(fac.url.host))
      r.warning(f["auth"], YamlReader::join(path, "auth"), "credentials would cross the network in clear text (http://); use https://");
    c.facilitators.push_back(std::move(fac));
  }
  for (auto& fac : c.facilitators) fac.pool_key = fac.name + "|" + fac.url.to_string();
}

// chains: { <network>: { rpc, confirmations, max_age, ... } }: the EVM JSON-RPC endpoints pay-then-prove
// routes check transaction hashes against, keyed by network (v1 name or CAIP-2).
void read_chains(YamlReader& r, const YAML::Node& node, Config& c) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    r.error(node, "chains", "expected a mapping of network: { rpc: URL, confirmations: N, max_age: 1h }");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string path = "chains." + it->first.Scalar();
    const YAML::Node n = it->second;  // a copy: it->second is a temporary proxy
    if (!r.expect_map(n, path, {"rpc", "confirmations", "max_age", "timeout", "connect_timeout", "max_idle_connections",
                                "idle_timeout", "tls"}))
      continue;
    Chain chain;
    chain.name = it->first.Scalar();
    const std::optional<x402::Network> network = x402::resolve_network(chain.name);
    if (!network || network->family != x402::Family::evm) {
      r.error(it->first, path, "'" + chain.name + "' is not an EVM network (a v1 name such as base, or eip155:<chain id>)");
      continue;
    }
    chain.network = network->caip2;
    if (c.chain_for(chain.network)) {
      r.error(it->first, path, "network " + chain.network + " has a chain entry already");
      continue;
    }
    if (auto text = r.string(n, "rpc", path, true)) {
      std::string why;
      if (auto url = parse_url(*text, &why)) chain.rpc = *url;
      else r.error(n["rpc"], YamlReader::join(path, "rpc"), why + ", got '" + *text + "'");
    }
    if (auto v = r.integer(n, "confirmations", path, 1, 10000)) chain.confirmations = static_cast<uint64_t>(*v);
    const YAML::Node age = n["max_age"];
    if (age.IsDefined() && age.IsScalar() && (age.Scalar() == "0" || age.Scalar() == "off")) {
      // max_age is what still refuses a hash the payment state store has forgotten (a restart of the memory store).
      chain.max_age = Duration{0};
      r.warning(age, YamlReader::join(path, "max_age"),
                "max_age: " + age.Scalar() + " accepts transfers of any age: a hash the payment state store forgets (a restart without a shared store) can pay again");
    } else if (auto v = r.duration(n, "max_age", path)) {
      chain.max_age = *v;
    }
    if (auto v = r.duration(n, "timeout", path)) chain.timeout = *v;
    if (auto v = r.duration(n, "connect_timeout", path)) chain.connect_timeout = *v;
    if (auto v = r.duration(n, "idle_timeout", path)) chain.idle_timeout = *v;
    if (auto v = r.integer(n, "max_idle_connections", path, 0, 100000)) chain.max_idle_connections = static_cast<size_t>(*v);
    read_tls(r, n["tls"], YamlReader::join(path, "tls"), chain.tls);
    chain.pool_key = "chain:" + chain.network + "|" + chain.rpc.to_string();
    c.chains.push_back(std::move(chain));
  }
}

void read_limits(YamlReader& r, const YAML::Node& node, Limits& l) {
  if (!node.IsDefined()) return;
  if (!r.expect_map(node, "limits",
                    {"max_header_bytes", "max_request_body", "max_buffered_response", "max_target_bytes",
                     "max_header_count", "max_connections", "max_connections_per_address", "max_tls_handshakes",
                     "challenges_per_second", "challenge_burst", "request_buffering"}))
    return;
  if (auto v = r.integer(node, "max_header_count", "limits", 1, 10000)) l.max_header_count = static_cast<uint64_t>(*v);
  if (auto v = r.integer(node, "max_connections", "limits", 1, 1000000)) l.max_connections = static_cast<uint64_t>(*v);
  if (auto v = r.integer(node, "max_connections_per_address", "limits", 0, 1000000)) l.max_connections_per_address = static_cast<uint64_t>(*v);
  if (auto v = r.integer(node, "max_tls_handshakes", "limits", 0, 1000000)) l.max_tls_handshakes = static_cast<uint64_t>(*v);
  if (auto v = r.integer(node, "challenges_per_second", "limits", 0, 1000000)) l.challenges_per_second = static_cast<double>(*v);
  if (auto v = r.integer(node, "challenge_burst", "limits", 1, 1000000)) l.challenge_burst = static_cast<double>(*v);
  if (auto v = r.size(node, "max_header_bytes", "limits")) l.max_header_bytes = *v;
  if (auto v = r.size(node, "max_request_body", "limits")) l.max_request_body = *v;
  if (auto v = r.size(node, "max_buffered_response", "limits")) l.max_buffered_response = *v;
  if (auto v = r.size(node, "max_target_bytes", "limits")) l.max_target_bytes = *v;
  if (auto v = r.size(node, "request_buffering", "limits")) l.request_buffering = *v;
  if (l.max_header_bytes < 1024) r.error(node["max_header_bytes"], "limits.max_header_bytes", "must be at least 1KiB");
  // The read buffer of each connection is this plus 16KiB: the bound per connection stays small.
  if (l.max_header_bytes > 1024 * 1024) r.error(node["max_header_bytes"], "limits.max_header_bytes", "must be at most 1MiB");
  // A buffered body waits in the request's relay buffer (64KiB), not in memory of its own.
  if (l.request_buffering > 64 * 1024)
    r.error(node["request_buffering"], "limits.request_buffering", "must be at most 64KiB (0 turns buffering off)");
}

void read_timeouts(YamlReader& r, const YAML::Node& node, Timeouts& t) {
  if (!node.IsDefined()) return;
  if (!r.expect_map(node, "timeouts", {"request_header", "keep_alive", "body_io", "request_body", "drain"})) return;
  if (auto v = r.duration(node, "request_header", "timeouts")) t.request_header = *v;
  if (auto v = r.duration(node, "keep_alive", "timeouts")) t.keep_alive = *v;
  if (auto v = r.duration(node, "body_io", "timeouts")) t.body_io = *v;
  if (auto v = r.duration(node, "request_body", "timeouts")) t.request_body = *v;
  if (auto v = r.duration(node, "drain", "timeouts")) t.drain = *v;
}

void load_tree(YamlReader& r, const YAML::Node& root, Config& c) {
  if (!r.expect_map(root, "",
                    {"name", "description", "image", "discovery", "access_log", "listen", "admin_listen", "admin", "threads",
                     "public_url", "unmatched", "default_upstream", "upstreams", "facilitators", "payment", "routes",
                     "limits", "timeouts", "supported_refresh", "state", "trusted_proxies", "chains", "forward_auth", "paywall"}))
    return;

  if (auto v = r.string(root, "name", "")) c.name = *v;
  if (auto v = r.string(root, "description", "")) c.description = *v;
  if (auto v = r.string(root, "image", "")) c.image = *v;
  if (auto v = r.boolean(root, "discovery", "")) c.discovery = *v;
  if (auto v = r.string(root, "access_log", "")) {
    if (v->empty()) r.error(root["access_log"], "access_log", "access_log is stdout, stderr, off, or a file path");
    else c.access_log = *v;
  }

  read_trusted_proxies(r, root["trusted_proxies"], c.trusted_proxies);
  YAML::Node listen = root["listen"];
  auto add_listen = [&](const YAML::Node& node, const std::string& path) {
    auto l = read_listener(r, node, path);
    if (!l) return;
    if (l->address.proxy_protocol && c.trusted_proxies.empty())
      r.error(node["proxy_protocol"], YamlReader::join(path, "proxy_protocol"),
              "proxy_protocol: true needs trusted_proxies: the addresses of the balancers allowed to send the header");
    c.listen.push_back(std::move(*l));
  };
  if (!listen.IsDefined()) {
    c.listen.push_back(Listener{ListenAddress{"0.0.0.0", 8402}, std::nullopt, false});
  } else if (listen.IsSequence()) {
    for (size_t i = 0; i < listen.size(); ++i) add_listen(listen[i], YamlReader::index("listen", i));
  } else {
    add_listen(listen, "listen");
  }
  check_listeners(r, listen, c);
  YAML::Node admin = root["admin_listen"];
  if (admin.IsDefined() && !admin.IsNull() && !(admin.IsScalar() && admin.Scalar().empty())) {
    c.admin_listen = read_listen(r, admin, "admin_listen");
    if (c.admin_listen && c.admin_listen->proxy_protocol)
      r.error(admin["proxy_protocol"], "admin_listen.proxy_protocol", "the admin listener does not take the PROXY protocol");
  }
  read_admin(r, root, c.admin_listen, c.admin);
  if (auto v = r.integer(root, "threads", "", 0, 256)) c.threads = static_cast<int>(*v);
  if (c.threads == 0) c.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (auto v = r.string(root, "public_url", "")) {
    std::string why;
    if (!parse_url(*v, &why)) r.error(root["public_url"], "public_url", why);
    c.public_url = *v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  }

  // A gateway that only answers auth subrequests forwards nothing: its routes need no upstream.
  if (auth_only(c) && !root["upstreams"].IsDefined()) c.upstreams.push_back(Upstream{"none", *parse_url("http://127.0.0.1:9", nullptr)});
  else read_upstreams(r, root["upstreams"], c);
  read_facilitators(r, root["facilitators"], c);
  read_chains(r, root["chains"], c);
  read_limits(r, root["limits"], c.limits);
  read_timeouts(r, root["timeouts"], c.timeouts);
  if (auto v = r.duration(root, "supported_refresh", "")) {
    if (*v < 1s) r.error(root["supported_refresh"], "supported_refresh", "supported_refresh is at least 1s");
    else c.supported_refresh = *v;
  }
  read_state(r, root["state"], c.state);

  if (auto v = r.string(root, "unmatched", "")) {
    if (*v == "not_found") c.unmatched = Unmatched::not_found;
    else if (*v == "proxy") c.unmatched = Unmatched::proxy;
    else r.error(root["unmatched"], "unmatched", "unmatched is 'not_found' (answer 404) or 'proxy' (forward to default_upstream)");
  }
  if (auto v = r.string(root, "default_upstream", "")) {
    bool found = false;
    for (size_t i = 0; i < c.upstreams.size(); ++i)
      if (c.upstreams[i].name == *v) c.default_upstream = i, found = true;
    if (!found) r.error(root["default_upstream"], "default_upstream", "no upstream named '" + *v + "' in 'upstreams:'");
  } else if (c.unmatched == Unmatched::proxy && c.upstreams.size() > 1) {
    r.error(root["unmatched"], "default_upstream", "unmatched: proxy needs default_upstream when several upstreams are configured");
  }

  PaymentDefaults defaults = read_payment_defaults(r, root["payment"]);
  read_paywall(r, root["paywall"], "paywall", c.paywall);
  defaults.paywall = c.paywall;
  YAML::Node routes = root["routes"];
  if (!routes.IsDefined() || !routes.IsSequence()) {
    r.error(routes.IsDefined() ? routes : root, "routes", "routes must be a list of { match: ..., upstream: ..., price: ... }");
    return;
  }
  if (c.unmatched == Unmatched::proxy)
    for (size_t i = 0; i < routes.size(); ++i)
      if (routes[i]["host"].IsDefined() && (routes[i]["price"].IsDefined() || routes[i]["accepts"].IsDefined()))
        r.warning(routes[i], YamlReader::index("routes", i),
                  "a priced route restricted to a host, with unmatched: proxy: requests for another Host reach "
                  "the default upstream unpriced; use unmatched: not_found unless the upstream checks Host itself");
  std::set<std::string> names;
  for (size_t i = 0; i < routes.size(); ++i) {
    const std::string path = YamlReader::index("routes", i);
    if (auto route = read_route(r, routes[i], path, c, defaults, c.table)) {
      if (!names.insert(route->name).second)
        r.error(routes[i], path, "route name '" + route->name + "' is used twice; names label metrics and logs");
      c.routes.push_back(std::move(*route));
    }
  }
  read_forward_auth(r, root, c);
  warn_mainnet_on_testnet_facilitator(r, routes, c);
}

}  // namespace

std::string LoadResult::report() const {
  std::string out;
  for (const auto& e : errors) out += "error: " + e.format(source) + "\n";
  for (const auto& w : warnings) out += "warning: " + w.format(source) + "\n";
  return out;
}

// Values computed from the others once, so requests need not.
static void derive(Config& c) {
  c.limits.max_request_body_ceiling = c.limits.max_request_body;
  c.reserved_headers = {"X-Payment-Payer"};
  for (const auto& route : c.routes) {
    c.limits.max_request_body_ceiling = std::max(c.limits.max_request_body_ceiling, route.max_request_body);
    const bool known = std::any_of(c.reserved_headers.begin(), c.reserved_headers.end(),
                                   [&](const std::string& h) { return core::iequals(h, route.payer_header); });
    if (!route.payer_header.empty() && !known) c.reserved_headers.push_back(route.payer_header);
  }
}

uint64_t next_generation() {
  static std::atomic<uint64_t> generations{0};
  return ++generations;
}

LoadResult load_config_text(std::string_view yaml, std::string source, const EnvLookup& env) {
  LoadResult result;
  result.source = std::move(source);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    Diagnostic d;
    d.line = e.mark.is_null() ? 0 : e.mark.line + 1;
    d.column = e.mark.is_null() ? 0 : e.mark.column + 1;
    d.message = "YAML syntax: " + e.msg;
    result.errors.push_back(std::move(d));
    return result;
  }
  auto config = std::make_shared<Config>();
  YamlReader reader(env, result.errors, result.warnings);
  if (!root.IsDefined() || root.IsNull()) {
    reader.error(root, "", "the configuration file is empty");
    return result;
  }
  load_tree(reader, root, *config);
  if (!result.errors.empty()) return result;
  derive(*config);
  config->source = result.source;
  config->hash = fnv1a_hex(yaml);
  config->generation = next_generation();
  result.config = std::move(config);
  return result;
}

LoadResult load_config_file(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.source = path;
    r.errors.push_back(Diagnostic{0, 0, "", "cannot read the configuration file"});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str(), path, env);
}

}  // namespace x402gw::config
