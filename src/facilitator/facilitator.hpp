#pragma once
// The seam where facilitators plug in: verify, settle, supported. Today one implementation talks
// HTTP to one configured facilitator (http_facilitator.hpp); failover across several, and signed
// JWT authentication, wrap or extend it without the paid flow knowing.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "net/asio.hpp"
#include "x402/facilitator_messages.hpp"

namespace x402gw::facilitator {

/// The answer of one call, or the error that prevented one.
template <class Result>
struct Outcome {
  std::optional<core::Error> error;             // set: no usable answer
  std::string detail;                           // a sentence for the client and the log
  Result result;
  std::chrono::microseconds elapsed{0};
  unsigned status = 0;                          // the HTTP status, when an answer came
  std::string retry_after;                      // its Retry-After header, if any (429, 503)
  std::string facilitator;                      // the configured name of the facilitator this came from
};

using VerifyOutcome = Outcome<x402::VerifyResult>;
using SettleOutcome = Outcome<x402::SettleResult>;
using SupportedOutcome = Outcome<std::vector<x402::SupportedKind>>;

/// A facilitator, as the paid flow and the readiness probe use it.
class Facilitator {
 public:
  virtual ~Facilitator() = default;
  /// The configured name, for logs and metrics.
  virtual std::string_view name() const = 0;
  /// POST /verify with a prepared body (x402::facilitator_request_body).
  virtual awaitable<VerifyOutcome> verify(const std::string& body) = 0;
  /// POST /settle. Never sent twice: an answer that does not come after the request went out is
  /// core::Error::settlement_unknown (connection closed) or settlement_timeout: it may have settled.
  virtual awaitable<SettleOutcome> settle(const std::string& body) = 0;
  /// GET /supported.
  virtual awaitable<SupportedOutcome> supported() = 0;
};

}  // namespace x402gw::facilitator
