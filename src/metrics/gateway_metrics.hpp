#pragma once
// The gateway's metrics, declared in one list, and the one place that turns an exchange's outcome
// into counter updates. Label values are bounded: route names from the configuration, a fixed set
// of methods, status codes, networks and assets from the configuration, and reason codes that are
// cut to a safe shape. Never raw paths, never payer addresses.
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/exchange_record.hpp"
#include "metrics/registry.hpp"
#include "metrics/summary.hpp"

namespace x402gw::metrics {

/// All metric families of the gateway.
class GatewayMetrics {
 public:
  GatewayMetrics();

  /// Everything one finished exchange tells: requests, challenges, payments, revenue, upstream time.
  void record_exchange(const core::ExchangeRecord& r);
  /// One facilitator call: endpoint "verify" | "settle" | "supported", outcome "ok" or a failure code.
  void facilitator_call(std::string_view facilitator, std::string_view endpoint, std::string_view outcome, double seconds);
  /// A facilitator call refused for its credentials (401/403) or whose token could not be signed.
  void facilitator_auth_failure(std::string_view facilitator, std::string_view endpoint);
  /// A facilitator's circuit breaker moved to state `to` ("closed", "open", "half_open").
  void breaker_transition(std::string_view facilitator, std::string_view to);
  /// One question to a route's pricer: outcome "price" | "free" | "refuse" or an error code; the
  /// latency of calls that went out (a cached answer or a breaker's refusal has none: seconds < 0).
  void pricer_call(std::string_view route, std::string_view outcome, double seconds);
  /// A pricer answer looked up in its cache: hit or miss.
  void pricer_cache(std::string_view route, bool hit);
  /// A call left `facilitator` for the next of its route.
  void facilitator_failover(std::string_view facilitator, std::string_view endpoint);
  /// A call did not go to `facilitator`: its breaker refused it.
  void facilitator_skipped(std::string_view facilitator, std::string_view endpoint);
  /// One call to the shared state store: operation "claim" | "finish" | "resolve" | "renew" | "limit",
  /// outcome "ok" | "error" | "timeout" | "unavailable".
  void state_store_call(std::string_view operation, std::string_view outcome, double seconds);
  /// Trouble with a payment claim: "renew_failed" | "lease_lost" | "record_retried" | "record_failed".
  void claim_lease_event(std::string_view event);
  /// A configuration reload attempt.
  void reload(bool ok);
  /// An unknown settlement outcome reconciled: result "settled" | "released" | "abandoned".
  void settlement_reconciled(std::string_view result);
  /// Unknown outcomes given up on in this process (kept unknown, never served): a gauge.
  void settlements_given_up(int64_t count);
  /// What one chain reading of reconciliation proved: finding "landed" | "not_paid" | "none".
  void reconciliation_evidence(std::string_view family, std::string_view finding);
  /// What decided a metered (upto) payment's charge (pricing::decision_label).
  void settle_amount(std::string_view route, std::string_view decision);
  /// An upto answer whose meter found nothing to read (json: no usage): charged the maximum.
  void meter_unread(std::string_view route);
  /// A /settle sent without its write-ahead intent: the disk under state.dir refused it.
  void settle_intent_unrecorded();
  /// A completed TLS handshake, resumed from a ticket or full.
  void tls_handshake(bool resumed);
  /// A failed TLS handshake, by reason (timeout, closed, protocol_version, ...).
  void tls_handshake_failure(std::string_view reason);
  /// The earliest expiry (unix seconds) of the certificates a TLS listener serves now.
  void certificate_expiry(std::string_view listener, int64_t not_after);
  /// A reload of a TLS listener's certificates (SIGHUP, a changed file, a new ACME certificate).
  void certificate_reload(bool ok);
  /// A refused admin request: unauthorized, cross_site_refused, admin_token_required.
  void admin_refused(std::string_view reason);
  /// An ACME order that ended: a certificate issued, or a failed attempt (retried later).
  void acme_order(bool issued);
  /// A pay-then-prove proof checked: result "accepted", a refusal ("proof_too_old") or an error code.
  void payment_proof(std::string_view result);
  /// An entry the in-process replay store dropped before its time to make room: "refusal" | "settled".
  void replay_store_eviction(std::string_view entry);
  /// A new payment the in-process replay store refused because it holds `state.max_payments` entries.
  void replay_store_full();
  /// A limit that refused a request ("header_bytes", "body_bytes", ...).
  void limit_breach(std::string_view limit);
  /// A connection closed because its PROXY protocol header was refused, by reason.
  void proxy_protocol_error(std::string_view reason);
  /// One call to a forward-auth endpoint (generic, nginx, nginx_reply, envoy, unknown) and its
  /// outcome (allowed, paid, payment_required, refused, untrusted, incomplete, error).
  void forward_auth(std::string_view endpoint, std::string_view outcome);

  /// The current values of the gauges the exposition reports.
  struct Gauges {
    int64_t in_flight = 0;
    int64_t open_connections = 0;
    std::string config_hash;
    /// Each configured facilitator's breaker state: 0 closed, 1 open, 2 half-open.
    std::vector<std::pair<std::string, int>> breakers;
    int64_t unknown_settlements = 0;  // settlements with an unknown outcome awaiting reconciliation
    int64_t oldest_unknown_age = 0;   // seconds the oldest of them has waited (0: none)
    int64_t replay_store_payments = -1;      // entries of the in-process replay store (-1: Redis, not exposed)
    int64_t replay_store_max_payments = -1;  // its bound, state.max_payments
    /// Each route's pricer breaker state, by route name: 0 closed, 1 open, 2 half-open.
    std::vector<std::pair<std::string, int>> pricer_breakers;
  };
  /// The exposition, with the gauges as given.
  std::string expose(const Gauges& gauges);

  /// The operator's summary (GET /admin/summary), fed by the calls above.
  const Summary& summary() const { return summary_; }

  /// A reason code made safe as a label value: [a-z0-9_], at most 64 characters, else "other".
  static std::string bounded_reason(std::string_view reason);
  /// The limit an error code reports as breached ("header", "request_body", ...), or "".
  static std::string_view limit_of(std::string_view failure_code);
  /// The payments_total outcome label an exchange counts under, or "" (none, challenged, not settled).
  static std::string_view outcome_label(core::PaymentOutcome o);
  /// The method as a label: the standard methods, else "other".
  static std::string_view method_label(std::string_view method);

 private:
  Registry registry_;
  Summary summary_;
  std::mutex hash_mutex_;
  std::string last_hash_;  // the hash config_info was last set for
};

}  // namespace x402gw::metrics
