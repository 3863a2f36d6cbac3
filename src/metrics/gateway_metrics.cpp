#include "metrics/gateway_metrics.hpp"

#include <cctype>
#include <chrono>
#include <cstdlib>

#include "core/strings.hpp"

namespace x402gw::metrics {
namespace {

const std::vector<double> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

// Wall-clock milliseconds: the summary's windows are "the last hour" as an operator reads a clock.
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

GatewayMetrics::GatewayMetrics() {
  summary_.start(now_ms());
  registry_.add({"x402gw_requests_total", "Requests answered, by route, method and status.", Type::counter, {}});
  registry_.add({"x402gw_challenges_total", "402 payment challenges issued, by route.", Type::counter, {}});
  registry_.add({"x402gw_paywall_pages_total", "402 challenges sent as the paywall page (a browser's navigation), by route.", Type::counter, {}});
  registry_.add({"x402gw_payments_total", "Payments by route, network, asset and outcome (verified, rejected, settled, settle_failed, served_again).", Type::counter, {}});
  registry_.add({"x402gw_payment_rejections_total", "Payments refused, by route and reason.", Type::counter, {}});
  registry_.add({"x402gw_revenue_atomic_units_total", "Revenue settled, in atomic units of the asset, by route, network and asset.", Type::counter, {}});
  registry_.add({"x402gw_facilitator_request_duration_seconds", "Facilitator call latency, by facilitator, endpoint and outcome.", Type::histogram, kLatencyBuckets});
  registry_.add({"x402gw_facilitator_auth_failures_total", "Facilitator calls refused for their credentials (401/403) or not signed, by facilitator and endpoint.", Type::counter, {}});
  registry_.add({"x402gw_pricer_requests_total", "Questions to routes' pricers, by route and outcome (price, free, refuse or an error code).", Type::counter, {}});
  registry_.add({"x402gw_pricer_request_duration_seconds", "Pricer call latency (calls that went out), by route.", Type::histogram, kLatencyBuckets});
  registry_.add({"x402gw_pricer_cache_total", "Pricer cache lookups, by route and result (hit or miss).", Type::counter, {}});
  registry_.add({"x402gw_pricer_breaker_state", "A route's pricer breaker: 0 closed, 1 open, 2 half-open.", Type::gauge, {}});
  registry_.add({"x402gw_facilitator_breaker_state", "Circuit breaker state by facilitator: 0 closed, 1 open, 2 half-open.", Type::gauge, {}});
  registry_.add({"x402gw_facilitator_breaker_transitions_total", "Circuit breaker transitions, by facilitator and the state entered.", Type::counter, {}});
  registry_.add({"x402gw_facilitator_failovers_total", "Calls that left a facilitator for the next of their route, by facilitator left and endpoint.", Type::counter, {}});
  registry_.add({"x402gw_facilitator_skipped_total", "Calls not sent to a facilitator because its breaker was open, by facilitator and endpoint.", Type::counter, {}});
  registry_.add({"x402gw_upstream_request_duration_seconds", "Upstream latency (request sent to response complete), by upstream.", Type::histogram, kLatencyBuckets});
  registry_.add({"x402gw_state_store_calls_total", "Calls to the shared payment state store (Redis), by operation and outcome (ok, error, timeout, unavailable).", Type::counter, {}});
  registry_.add({"x402gw_claim_lease_events_total", "Trouble with payment claims, by event: renew_failed (a lease renewal got no answer; the lease runs on), lease_lost (a request found its claim gone), record_retried, record_failed (a payment's outcome could not be written to the store).", Type::counter, {}});
  registry_.add({"x402gw_state_store_duration_seconds", "Shared payment state store (Redis) call latency, by operation.", Type::histogram, kLatencyBuckets});
  registry_.add({"x402gw_limit_breaches_total", "Requests refused by a limit, by limit.", Type::counter, {}});
  registry_.add({"x402gw_proxy_protocol_errors_total", "Connections closed because their PROXY protocol header was missing, malformed, late or from an untrusted peer, by reason.", Type::counter, {}});
  registry_.add({"x402gw_in_flight_requests", "Requests being handled now.", Type::gauge, {}});
  registry_.add({"x402gw_open_connections", "Client connections open now.", Type::gauge, {}});
  registry_.add({"x402gw_config_reloads_total", "Configuration reloads, by result (ok, failed).", Type::counter, {}});
  registry_.add({"x402gw_replay_store_evictions_total", "Entries the in-process payment state store dropped before their time to make room, by entry (refusal, settled); accepted pay-then-prove hashes never are.", Type::counter, {}});
  registry_.add({"x402gw_replay_store_full_total", "New payments the in-process payment state store refused (503 state_full) because it held state.max_payments entries.", Type::counter, {}});
  registry_.add({"x402gw_replay_store_payments", "Entries the in-process payment state store holds: claims in flight, settled payments kept until they expire, unknown outcomes.", Type::gauge, {}});
  registry_.add({"x402gw_replay_store_max_payments", "The in-process payment state store's bound (state.max_payments).", Type::gauge, {}});
  registry_.add({"x402gw_unknown_settlements", "Settlements sent without an answer, awaiting reconciliation (journaled).", Type::gauge, {}});
  registry_.add({"x402gw_settlements_reconciled_total", "Unknown settlement outcomes resolved, by result (settled, released, abandoned).", Type::counter, {}});
  registry_.add({"x402gw_settlements_unresolvable", "Unknown settlement outcomes given up on since start: no evidence either way; kept unknown, never served; they need the operator.", Type::gauge, {}});
  registry_.add({"x402gw_reconciliation_evidence_total", "Chain readings of reconciliation, by family and finding (landed, not_paid, none).", Type::counter, {}});
  registry_.add({"x402gw_settle_intents_unrecorded_total", "Settlements sent without their write-ahead intent (state.dir refused the write): a crash while they are in flight would lose them.", Type::counter, {}});
  registry_.add({"x402gw_settle_amounts_total", "Metered (upto) payments by route and what decided the charge: maximum (the upstream named none), header, trailer, meter, clamped (it asked for more than the authorized maximum), zero (nothing settled), upstream_error (>= 400, nothing settled), malformed (an unreadable Settlement-Overrides: 502, nothing settled).", Type::counter, {}});
  registry_.add({"x402gw_meter_unread_total", "Metered (upto) answers whose meter found nothing to read (a json meter's path missing or not a non-negative number): charged the maximum.", Type::counter, {}});
  registry_.add({"x402gw_tls_handshakes_total", "TLS handshakes completed, by whether the session was resumed.", Type::counter, {}});
  registry_.add({"x402gw_tls_handshake_failures_total", "TLS handshakes that failed, by reason.", Type::counter, {}});
  registry_.add({"x402gw_admin_refused_total", "Admin requests refused, by reason (unauthorized, cross_site_refused, admin_token_required).", Type::counter, {}});
  registry_.add({"x402gw_tls_certificate_reloads_total", "Certificate reloads of TLS listeners, by result (ok, failed).", Type::counter, {}});
  registry_.add({"x402gw_acme_orders_total", "ACME certificate orders, by result (issued, failed).", Type::counter, {}});
  registry_.add({"x402gw_payment_proofs_total", "Pay-then-prove transaction hashes checked, by result (accepted or a refusal or error code).", Type::counter, {}});
  registry_.add({"x402gw_forward_auth_total", "Calls to forward-auth endpoints, by endpoint (generic, nginx, nginx_reply, envoy, unknown) and outcome (allowed, paid, payment_required, refused, untrusted, incomplete, error).", Type::counter, {}});
  registry_.add({"x402gw_unknown_settlement_oldest_age_seconds", "Seconds the oldest settlement with an unknown outcome has awaited reconciliation (0: none).", Type::gauge, {}});
  registry_.add({"x402gw_tls_certificate_expiry_timestamp_seconds", "The earliest expiry (unix seconds) of the certificates a TLS listener serves, by listener.", Type::gauge, {}});
  registry_.add({"x402gw_config_info", "The loaded configuration: its hash as a label, value 1.", Type::gauge, {}});
}

std::string GatewayMetrics::bounded_reason(std::string_view reason) {
  if (reason.empty() || reason.size() > 64) return "other";
  for (char c : reason)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) return "other";
  return std::string(reason);
}

std::string_view GatewayMetrics::limit_of(std::string_view failure_code) {
  if (failure_code == "header_too_large") return "header";
  if (failure_code == "body_too_large") return "request_body";
  if (failure_code == "target_too_long") return "target";
  if (failure_code == "chunk_framing_too_large") return "chunk_framing";
  if (failure_code == "request_timeout") return "request_time";
  if (failure_code == "upstream_response_too_large") return "buffered_response";
  if (failure_code == "rate_limited") return "challenges";
  if (failure_code == "too_many_connections") return "connections";
  return {};
}

std::string_view GatewayMetrics::method_label(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (m == method) return m;
  return "other";
}

std::string_view GatewayMetrics::outcome_label(core::PaymentOutcome o) {
  using core::PaymentOutcome;
  switch (o) {
    case PaymentOutcome::rejected: return "rejected";
    case PaymentOutcome::settled: return "settled";
    case PaymentOutcome::settle_failed:
    case PaymentOutcome::settle_error: return "settle_failed";
    case PaymentOutcome::served_again: return "served_again";
    default: return "";
  }
}

void GatewayMetrics::record_exchange(const core::ExchangeRecord& r) {
  const std::string status = std::to_string(r.status);
  const std::string_view method = method_label(r.method);
  registry_.inc("x402gw_requests_total", {{"route", r.route}, {"method", method}, {"status", status}});
  summary_.record(r, now_ms());
  if (auto limit = limit_of(r.error); !limit.empty()) limit_breach(limit);
  if (!r.upstream.empty() && r.upstream_time.count() > 0)
    registry_.observe("x402gw_upstream_request_duration_seconds", {{"upstream", r.upstream}},
                      static_cast<double>(r.upstream_time.count()) / 1e6);
  if (!r.priced) return;
  if (r.challenged) registry_.inc("x402gw_challenges_total", {{"route", r.route}});
  if (r.paywall) registry_.inc("x402gw_paywall_pages_total", {{"route", r.route}});
  using core::PaymentOutcome;
  if (r.payment == PaymentOutcome::none || r.payment == PaymentOutcome::challenged) return;

  const std::string_view outcome = outcome_label(r.payment);
  if (r.verified)
    registry_.inc("x402gw_payments_total", {{"route", r.route}, {"network", r.network}, {"asset", r.asset}, {"outcome", "verified"}});
  if (outcome.empty()) return;
  registry_.inc("x402gw_payments_total", {{"route", r.route}, {"network", r.network}, {"asset", r.asset}, {"outcome", outcome}});
  if (r.payment == PaymentOutcome::rejected)
    registry_.inc("x402gw_payment_rejections_total", {{"route", r.route}, {"reason", bounded_reason(r.error)}});
  if (r.payment == PaymentOutcome::settled)
    registry_.inc("x402gw_revenue_atomic_units_total", {{"route", r.route}, {"network", r.network}, {"asset", r.asset}},
                  std::strtod(r.amount.c_str(), nullptr));
}

void GatewayMetrics::forward_auth(std::string_view endpoint, std::string_view outcome) {
  registry_.inc("x402gw_forward_auth_total", {{"endpoint", endpoint}, {"outcome", outcome}});
}

void GatewayMetrics::facilitator_call(std::string_view facilitator, std::string_view endpoint, std::string_view outcome,
                                      double seconds) {
  registry_.observe("x402gw_facilitator_request_duration_seconds",
                    {{"facilitator", facilitator}, {"endpoint", endpoint}, {"outcome", outcome}}, seconds);
  summary_.facilitator_call(facilitator, endpoint, outcome, seconds, now_ms());
}

void GatewayMetrics::pricer_call(std::string_view route, std::string_view outcome, double seconds) {
  registry_.inc("x402gw_pricer_requests_total", {{"route", route}, {"outcome", outcome}});
  if (seconds >= 0) registry_.observe("x402gw_pricer_request_duration_seconds", {{"route", route}}, seconds);
}

void GatewayMetrics::pricer_cache(std::string_view route, bool hit) {
  registry_.inc("x402gw_pricer_cache_total", {{"route", route}, {"result", hit ? "hit" : "miss"}});
}

void GatewayMetrics::facilitator_auth_failure(std::string_view facilitator, std::string_view endpoint) {
  registry_.inc("x402gw_facilitator_auth_failures_total", {{"facilitator", facilitator}, {"endpoint", endpoint}});
}

void GatewayMetrics::breaker_transition(std::string_view facilitator, std::string_view to) {
  registry_.inc("x402gw_facilitator_breaker_transitions_total", {{"facilitator", facilitator}, {"to", to}});
}

void GatewayMetrics::facilitator_failover(std::string_view facilitator, std::string_view endpoint) {
  registry_.inc("x402gw_facilitator_failovers_total", {{"facilitator", facilitator}, {"endpoint", endpoint}});
}

void GatewayMetrics::facilitator_skipped(std::string_view facilitator, std::string_view endpoint) {
  registry_.inc("x402gw_facilitator_skipped_total", {{"facilitator", facilitator}, {"endpoint", endpoint}});
}

void GatewayMetrics::state_store_call(std::string_view operation, std::string_view outcome, double seconds) {
  registry_.inc("x402gw_state_store_calls_total", {{"operation", operation}, {"outcome", outcome}});
  registry_.observe("x402gw_state_store_duration_seconds", {{"operation", operation}}, seconds);
}

void GatewayMetrics::claim_lease_event(std::string_view event) {
  registry_.inc("x402gw_claim_lease_events_total", {{"event", event}});
}

void GatewayMetrics::reload(bool ok) {
  registry_.inc("x402gw_config_reloads_total", {{"result", ok ? "ok" : "failed"}});
  summary_.reload(ok, now_ms());
}

void GatewayMetrics::settlements_given_up(int64_t count) {
  registry_.set("x402gw_settlements_unresolvable", {}, static_cast<double>(count));
}

void GatewayMetrics::reconciliation_evidence(std::string_view family, std::string_view finding) {
  registry_.inc("x402gw_reconciliation_evidence_total", {{"family", family}, {"finding", finding}});
}

void GatewayMetrics::settlement_reconciled(std::string_view result) {
  registry_.inc("x402gw_settlements_reconciled_total", {{"result", result}});
  summary_.reconciled(result, now_ms());
}

void GatewayMetrics::replay_store_eviction(std::string_view entry) {
  registry_.inc("x402gw_replay_store_evictions_total", {{"entry", entry}});
}

void GatewayMetrics::replay_store_full() { registry_.inc("x402gw_replay_store_full_total", {}); }

void GatewayMetrics::settle_amount(std::string_view route, std::string_view decision) {
  registry_.inc("x402gw_settle_amounts_total", {{"route", route}, {"decision", decision}});
}

void GatewayMetrics::meter_unread(std::string_view route) { registry_.inc("x402gw_meter_unread_total", {{"route", route}}); }

void GatewayMetrics::settle_intent_unrecorded() { registry_.inc("x402gw_settle_intents_unrecorded_total", {}); }

void GatewayMetrics::payment_proof(std::string_view result) {
  registry_.inc("x402gw_payment_proofs_total", {{"result", bounded_reason(result)}});
}

void GatewayMetrics::proxy_protocol_error(std::string_view reason) {
  registry_.inc("x402gw_proxy_protocol_errors_total", {{"reason", bounded_reason(reason)}});
}

void GatewayMetrics::tls_handshake(bool resumed) {
  registry_.inc("x402gw_tls_handshakes_total", {{"resumed", resumed ? "true" : "false"}});
}

void GatewayMetrics::tls_handshake_failure(std::string_view reason) {
  registry_.inc("x402gw_tls_handshake_failures_total", {{"reason", bounded_reason(reason)}});
}

void GatewayMetrics::admin_refused(std::string_view reason) {
  registry_.inc("x402gw_admin_refused_total", {{"reason", std::string(reason)}});
}

void GatewayMetrics::certificate_expiry(std::string_view listener, int64_t not_after) {
  registry_.set("x402gw_tls_certificate_expiry_timestamp_seconds", {{"listener", listener}}, static_cast<double>(not_after));
  summary_.certificate_expiry(listener, not_after);
}

void GatewayMetrics::certificate_reload(bool ok) {
  registry_.inc("x402gw_tls_certificate_reloads_total", {{"result", ok ? "ok" : "failed"}});
}

void GatewayMetrics::acme_order(bool issued) { registry_.inc("x402gw_acme_orders_total", {{"result", issued ? "issued" : "failed"}}); }

void GatewayMetrics::limit_breach(std::string_view limit) { registry_.inc("x402gw_limit_breaches_total", {{"limit", limit}}); }

std::string GatewayMetrics::expose(const Gauges& gauges) {
  registry_.set("x402gw_in_flight_requests", {}, static_cast<double>(gauges.in_flight));
  registry_.set("x402gw_open_connections", {}, static_cast<double>(gauges.open_connections));
  for (const auto& [name, state] : gauges.breakers)
    registry_.set("x402gw_facilitator_breaker_state", {{"facilitator", name}}, static_cast<double>(state));
  for (const auto& [route, state] : gauges.pricer_breakers)
    registry_.set("x402gw_pricer_breaker_state", {{"route", route}}, static_cast<double>(state));
  registry_.set("x402gw_unknown_settlements", {}, static_cast<double>(gauges.unknown_settlements));
  if (gauges.replay_store_payments >= 0) {
    registry_.set("x402gw_replay_store_payments", {}, static_cast<double>(gauges.replay_store_payments));
    registry_.set("x402gw_replay_store_max_payments", {}, static_cast<double>(gauges.replay_store_max_payments));
  }
  registry_.set("x402gw_unknown_settlement_oldest_age_seconds", {}, static_cast<double>(gauges.oldest_unknown_age));
  if (!gauges.config_hash.empty()) {
    std::lock_guard lock(hash_mutex_);
    if (last_hash_ != gauges.config_hash) {
      if (!last_hash_.empty()) registry_.set("x402gw_config_info", {{"hash", last_hash_}}, 0);
      last_hash_ = gauges.config_hash;
    }
    registry_.set("x402gw_config_info", {{"hash", gauges.config_hash}}, 1);
  }
  return registry_.expose();
}

}  // namespace x402gw::metrics
