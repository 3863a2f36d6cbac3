#pragma once
// A facilitator reached over HTTP(S) with pooled connections of one worker thread. One deadline
// covers each whole call (connect, write, read). Each call is counted in the facilitator latency
// histogram.
#include <boost/beast/http/verb.hpp>

#include "config/config.hpp"
#include "facilitator/facilitator.hpp"
#include "net/worker_context.hpp"

namespace x402gw::metrics {
class GatewayMetrics;
}

namespace x402gw::facilitator {

/// Largest facilitator answer read.
inline constexpr uint64_t kMaxAnswerBytes = 1024 * 1024;

/// The raw HTTP answer to one call.
struct RawAnswer {
  std::optional<core::Error> error;  // transport failure: no answer
  std::string detail;
  unsigned status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, for failover
};

/// The HTTP facilitator of `config`, using the pools of `worker`.
class HttpFacilitator final : public Facilitator {
 public:
  HttpFacilitator(const config::Facilitator& config, net::WorkerContext& worker, metrics::GatewayMetrics* metrics)
      : config_(config), worker_(worker), metrics_(metrics) {}

  std::string_view name() const override { return config_.name; }
  awaitable<VerifyOutcome> verify(const std::string& body) override;
  awaitable<SettleOutcome> settle(const std::string& body) override;
  awaitable<SupportedOutcome> supported() override;

 private:
  /// One request and its raw answer. `settle` calls are never resent once written.
  awaitable<RawAnswer> call(bhttp::verb method, const std::string& path, const std::string& body, bool is_settle);
  template <class Result, class Parse>
  awaitable<Outcome<Result>> exchange(bhttp::verb method, const char* endpoint, const std::string& body, Parse parse);

  const config::Facilitator& config_;
  net::WorkerContext& worker_;
  metrics::GatewayMetrics* metrics_;
};

}  // namespace x402gw::facilitator
