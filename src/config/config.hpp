#pragma once
// The gateway's configuration as immutable structs, built once by the loader and shared by all
// requests through std::shared_ptr<const Config>.
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/authenticator.hpp"
#include "config/admin.hpp"
#include "config/forward_auth.hpp"
#include "config/state.hpp"
#include "config/listener.hpp"
#include "config/url.hpp"
#include "net/tls_settings.hpp"
#include "peer/cidr.hpp"
#include "pricing/price_rule.hpp"
#include "routing/route_table.hpp"
#include "x402/requirements.hpp"

namespace x402gw::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

/// How a client-side TLS connection checks its peer: net's type, read from the file here.
using TlsClient = net::TlsClient;

/// An upstream API the gateway forwards to.
struct Upstream {
  std::string name;
  Url url;
  Duration connect_timeout = 5s;
  Duration timeout = 30s;           // longest wait for any read or write once connected
  size_t max_idle_connections = 64;  // per worker thread
  Duration idle_timeout = 60s;      // pooled connections older than this are dropped
  bool preserve_host = false;       // send the client's Host instead of the upstream's
  TlsClient tls;
  std::string pool_key;             // name|url: where its idle connections are pooled (set by the loader)
};

/// When a facilitator's circuit breaker opens, and for how long.
struct BreakerSettings {
  int failures = 5;                 // consecutive failed calls that open it
  Duration open_for = 30s;          // how long it stays open before one probe call is let through
};

/// A facilitator that verifies and settles payments.
struct Facilitator {
  std::string name;
  Url url;
  Duration connect_timeout = 5s;
  Duration timeout = 10s;           // deadline for one whole /verify or /settle exchange
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every call
  auth::AuthenticatorPtr auth;      // signed tokens or a bearer token per call; null: none
  size_t max_idle_connections = 16;
  Duration idle_timeout = 30s;      // pooled connections idle longer than this are not used again
  TlsClient tls;
  BreakerSettings breaker;
  std::string pool_key;             // name|url: where its idle connections are pooled (set by the loader)
};

/// An EVM chain the gateway reads itself over JSON-RPC: pay-then-prove routes check payment
/// proofs (transaction hashes) against it.
struct Chain {
  std::string name;                 // as written under chains: (a v1 name or a CAIP-2 id)
  std::string network;              // CAIP-2 ("eip155:8453")
  Url rpc;
  uint64_t confirmations = 1;       // blocks from the payment's block to the head, both counted
  Duration max_age = 1h;            // the payment's block is at most this old; 0: any age
  Duration connect_timeout = 5s;
  Duration timeout = 10s;           // deadline for one whole JSON-RPC call
  size_t max_idle_connections = 8;  // per worker thread
  Duration idle_timeout = 30s;
  TlsClient tls;
  std::string pool_key;             // chain|url (set by the loader)
};

/// How a route may be paid besides x402: `proof: tx_hash` also takes a plain token transfer's hash.
enum class Proof { none, tx_hash };

/// The most facilitators one route may list (failover tries them in order).
inline constexpr size_t kMaxRouteFacilitators = 8;

/// When a paid request is settled.
enum class Settlement {
  after,   // verify, forward, buffer the answer, settle only if the upstream said < 400
  before,  // verify, settle, then stream the upstream's answer
};

/// What a re-presentation of a payment whose answer was delivered gets. (A payment that settled and
/// whose answer was never delivered is served once more whatever this says: R2 in the README.)
enum class OnRepeat {
  refuse,  // 402 payment_already_used (R3): one payment, one answer
  pass,    // opt-in: the payment is a pass; the resource again (the upstream is called again), with
           // the stored receipt and no second charge, until the payment expires (+10 min)
};

/// The x402 `payment-identifier` extension on a route (an idempotency key chosen by the client).
struct PaymentIdentifier {
  enum class Mode {
    fresh_call,    // a repeat with the same id and payload calls the upstream again (no second settlement)
    replay_answer, // settle-after routes: a repeat gets the first answer, kept for `ttl` if within `max_bytes`
  };
  bool enabled = false;             // advertised in the 402's `extensions`
  bool required = false;            // a payment without an id is refused (400)
  Mode mode = Mode::fresh_call;
  Duration ttl = std::chrono::minutes(10);  // how long an id (and a kept answer) is remembered
  uint64_t max_bytes = 64 * 1024;   // largest answer (body and headers) kept for replay_answer
};

/// The HTML page a browser gets in place of a 402's JSON body (README "Paywall").
struct Paywall {
  bool enabled = true;
  std::string app_name;             // the page's heading; empty: the configuration's `name`
  std::string app_logo;             // a same-origin path or a data:image URI; empty: none
  bool testnet_banner = true;       // say "test network" when the route pays on one
  std::string template_file;        // an operator's own page; empty: the built-in one
  std::shared_ptr<const std::string> template_text;  // template_file's content, read at load
};

/// An external pricer: an HTTP service the gateway asks for the price of a request (README
/// "Prices" > "From a pricer").
struct Pricer {
  Url url;
  Duration timeout = 1s;            // deadline for one whole call (connect, write, read)
  std::vector<std::string> headers; // request headers sent to the pricer (names as configured)
  std::vector<std::string> fields;  // JSON body fields sent to the pricer ("model", "options.size")
  bool body_digest = false;         // send the sha256 of the body (the body is read before pricing)
  std::vector<std::string> cache_key;  // parts of the cache key: method, path, header:X, query:x, body:field
  Duration cache_ttl{0};            // 0: answers are not cached
  size_t cache_entries = 10'000;    // per worker thread; the oldest entry goes first when full
  BreakerSettings breaker;
  size_t max_idle_connections = 8;  // per worker thread
  Duration idle_timeout = 30s;
  TlsClient tls;
  std::string pool_key;             // "pricer|url" (set by the loader)

  /// Whether asking the pricer needs the request body (fields, digest, or a body cache key part).
  bool reads_body() const {
    if (body_digest || !fields.empty()) return true;
    for (const auto& part : cache_key)
      if (part.rfind("body:", 0) == 0) return true;
    return false;
  }
};

/// `meter:` on an `upto` route: what an answer is charged when its upstream names no amount
/// (no Settlement-Overrides). pricing/meters computes the charge; see its header for rounding and
/// for answers that do not say.
struct MeterSpec {
  enum class Kind { none, bytes, time, json };
  Kind kind = Kind::none;
  uint64_t per = 1;                     // bytes: bytes per unit; time: microseconds per unit; json: count per unit
  std::string path;                     // json: dotted path ("usage.total_tokens")
  std::vector<std::string> unit_price;  // atomic units per `per`, one per requirement of the route ("" for non-upto ones)
  std::string price;                    // as written, for messages
  int line = 0;
  bool enabled() const { return kind != Kind::none; }
};

/// One configured route.
struct Route {
  std::string name;                 // for logs and metrics; defaults to the match text
  std::string match;                // as written
  size_t upstream = 0;              // index into Config::upstreams
  bool priced = false;
  std::vector<x402::Requirement> requirements;
  std::vector<size_t> facilitators;  // indices into Config::facilitators, in failover order (priced routes)
  Settlement settlement = Settlement::after;
  std::string description;
  std::string mime_type = "application/json";
  nlohmann::json output_schema;     // null unless configured
  nlohmann::json bazaar;            // the x402 `bazaar` discovery extension ({info, schema}); null unless configured
  std::string payer_header = "X-Payment-Payer";  // empty: not sent
  bool forward_payment_header = false;
  uint64_t max_request_body = 0;    // 0: the global limit
  OnRepeat on_repeat = OnRepeat::refuse;
  PaymentIdentifier payment_identifier;
  Proof proof = Proof::none;        // tx_hash: X-402-Payment-Proof / X-Payment-Proof accepted (EVM requirements)
  Paywall paywall;                  // the global `paywall:` with this route's overrides
  /// `price: {from, table, default}`: the amount of requirements[0] is this request's (the
  /// configured amount is the table's first, for discovery only).
  std::optional<pricing::PriceRule> price_rule;
  /// `pricer:`: requirements[0]'s amount comes from an HTTP service, per request.
  std::optional<Pricer> pricer;
  MeterSpec meter;                  // upto routes: what an answer is charged when the upstream does not say
  int line = 0;                     // where the route is in the file

  /// Whether the route's price depends on the request (a rule or a pricer): computed per request.
  bool priced_per_request() const { return price_rule.has_value() || pricer.has_value(); }
  /// Whether the price depends on the request body: the body is read before the challenge.
  /// (forward-auth cannot see bodies, so it refuses such routes.)
  bool price_reads_body() const {
    return (price_rule && price_rule->source == pricing::Source::body) || (pricer && pricer->reads_body());
  }
};

/// What to do with a request that matches no route.
enum class Unmatched { not_found, proxy };

/// Size limits on the client side.
struct Limits {
  uint64_t max_header_bytes = 16 * 1024;
  uint64_t max_request_body = 10 * 1024 * 1024;       // per request; routes may lower or raise it
  uint64_t max_request_body_ceiling = 0;              // the largest of it and every route's (set by the loader)
  uint64_t max_buffered_response = 8 * 1024 * 1024;   // settle-after routes buffer this much at most
  uint64_t max_target_bytes = 8192;
  uint64_t max_header_count = 100;
  uint64_t request_buffering = 64 * 1024;             // request bodies up to this size reach the upstream whole; 0: off
  uint64_t max_connections = 10'000;                  // open client connections, all listeners
  uint64_t max_connections_per_address = 0;           // open connections from one TCP peer address (trusted proxies exempt); 0: off
  uint64_t max_tls_handshakes = 1024;                 // TLS handshakes in progress, all listeners; 0: no cap
  double challenges_per_second = 20;                  // per client address; 0: unlimited
  double challenge_burst = 40;
};

/// Deadlines on the client side.
struct Timeouts {
  Duration request_header = 10s;    // from the first byte of a request to the end of its header
  Duration keep_alive = 60s;        // idle time between requests on one connection
  Duration body_io = 30s;           // longest wait for any read or write of a body chunk
  Duration request_body = 60s;      // the whole request body, from its first read
  Duration drain = 30s;             // grace period for in-flight requests on shutdown
};

/// Where the gateway keeps state that must survive a restart.

/// The whole configuration.
struct Config {
  std::string name;                 // the service, for discovery
  std::string description;
  std::string image;                // a logo URL, for discovery
  bool discovery = true;            // serve GET /.well-known/x402
  Paywall paywall;                  // the global `paywall:` (routes start from it)
  std::string access_log = "stdout";  // stdout, stderr, off, or a file path
  std::vector<Listener> listen;
  peer::TrustedProxies trusted_proxies;  // peers whose X-Forwarded-For / PROXY header names the client
  std::optional<ListenAddress> admin_listen;
  Admin admin;                      // how the admin endpoints are protected
  int threads = 0;                  // 0: one per core
  std::string public_url;           // base of resource URLs; empty: from the request's Host
  Unmatched unmatched = Unmatched::not_found;
  size_t default_upstream = 0;      // for Unmatched::proxy
  std::vector<Upstream> upstreams;
  std::vector<Facilitator> facilitators;
  std::vector<Chain> chains;        // JSON-RPC endpoints for pay-then-prove routes
  std::vector<Route> routes;
  routing::RouteTable table;        // routes[i] <-> table entry i
  Limits limits;
  Timeouts timeouts;
  Duration supported_refresh = 30s;  // how often every facilitator's /supported is asked again
  State state;                      // where payment state lives (restart to change)
  ForwardAuth forward_auth;         // who forward-auth listeners believe
  std::string source;               // file name
  std::string hash;                 // FNV-1a (64-bit, hex) of the file text, for logs and metrics: identifies, does not protect
  std::vector<std::string> reserved_headers;  // headers only the gateway sets for upstreams: the payer headers of all routes
  uint64_t generation = 0;          // unique per loaded configuration in this process (cache keys)

  /// The chain configured for `network` (CAIP-2), or null.
  const Chain* chain_for(std::string_view network) const {
    for (const auto& chain : chains)
      if (chain.network == network) return &chain;
    return nullptr;
  }
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace x402gw::config
