#include "metrics/access_log.hpp"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/json_text.hpp"

namespace x402gw::metrics {
namespace {

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

double ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

}  // namespace

namespace {

// This thread's lines not written yet.
struct Batch {
  std::string text;
};
thread_local Batch batch;

}  // namespace

std::string AccessLog::line(const core::ExchangeRecord& r) {
  auto total = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - r.started);
  nlohmann::json line = {
      {"time", utc_now()},
      {"client", r.client},
      {"method", r.method},
      {"path", r.path},
      {"route", r.route},
      {"status", r.status},
      {"bytes", r.bytes_sent},
      {"ms", ms(total)},
      {"upstream_ms", ms(r.upstream_time)},
      {"facilitator_ms", ms(r.facilitator_time)},
  };
  if (const auto payment = core::to_string(r.payment); !payment.empty()) line["payment"] = payment;
  if (!r.payer.empty()) line["payer"] = r.payer;
  if (!r.amount.empty()) line["amount"] = r.amount;
  if (!r.network.empty()) line["network"] = r.network;
  if (!r.asset.empty()) line["asset"] = r.asset;
  if (!r.transaction.empty()) line["transaction"] = r.transaction;
  if (!r.error.empty()) line["error"] = r.error;
  return core::json_text(line);
}

bool AccessLog::write(const core::ExchangeRecord& r) {
  if (!out_) return false;
  const bool first = batch.text.empty();
  batch.text += line(r);
  batch.text += '\n';
  if (batch.text.size() >= kBatchBytes) write_out(batch.text);
  return first;
}

void AccessLog::flush_thread() {
  if (out_ && !batch.text.empty()) write_out(batch.text);
}

AccessLog::~AccessLog() { flush_thread(); }

// Whole lines in one write: lines of different workers never interleave within a line.
void AccessLog::write_out(std::string& text) {
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
  text.clear();
  if (text.capacity() > 4 * kBatchBytes) text.shrink_to_fit();
}

}  // namespace x402gw::metrics
