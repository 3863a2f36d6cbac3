#pragma once
// The gateway's metrics, declared in one list, and the one place that turns an exchange's outcome
// into counter updates. Label values are bounded: route names from the configuration, a fixed set
// of methods, status codes, networks and assets from the configuration, and reason codes that are
// cut to a safe shape. Never raw paths, never payer addresses.
#include <mutex>
#include <string>
#include <string_view>

#include "core/exchange_record.hpp"
#include "metrics/registry.hpp"

namespace x402gw::metrics {

/// All metric families of the gateway.
class GatewayMetrics {
 public:
  GatewayMetrics();

  /// Everything one finished exchange tells: requests, challenges, payments, revenue, upstream time.
  void record_exchange(const core::ExchangeRecord& r);
  /// One facilitator call: endpoint "verify" | "settle" | "supported", outcome "ok" or a failure code.
  void facilitator_call(std::string_view facilitator, std::string_view endpoint, std::string_view outcome, double seconds);
  /// A configuration reload attempt.
  void reload(bool ok);
  /// A completed TLS handshake, resumed from a ticket or full.
  void tls_handshake(bool resumed);
  /// A failed TLS handshake, by reason (timeout, closed, protocol_version, ...).
  void tls_handshake_failure(std::string_view reason);
  /// A reload of a TLS listener's certificates (SIGHUP, a changed file, a new ACME certificate).
  void certificate_reload(bool ok);
  /// An ACME order that ended: a certificate issued, or a failed attempt (retried later).
  void acme_order(bool issued);
  /// A limit that refused a request ("header_bytes", "body_bytes", ...).
  void limit_breach(std::string_view limit);

  /// The current values of the gauges the exposition reports.
  struct Gauges {
    int64_t in_flight = 0;
    int64_t open_connections = 0;
    std::string config_hash;
  };
  /// The exposition, with the gauges as given.
  std::string expose(const Gauges& gauges);

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
  std::mutex hash_mutex_;
  std::string last_hash_;  // the hash config_info was last set for
};

}  // namespace x402gw::metrics
