#include "http/access_log.hpp"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace x402gw::http {
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

void AccessLog::write(const Exchange& ex) {
  if (!out_) return;
  auto total = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - ex.started);
  nlohmann::json line = {
      {"time", utc_now()},
      {"client", ex.client_ip},
      {"method", ex.method},
      {"path", ex.target.path},
      {"route", ex.route ? ex.route->name : ""},
      {"status", ex.status},
      {"bytes", ex.bytes_sent},
      {"ms", ms(total)},
      {"upstream_ms", ms(ex.upstream_time)},
      {"facilitator_ms", ms(ex.facilitator_time)},
  };
  if (!ex.payment.empty()) line["payment"] = ex.payment;
  if (!ex.payer.empty()) line["payer"] = ex.payer;
  if (!ex.amount.empty()) line["amount"] = ex.amount;
  if (!ex.network.empty()) line["network"] = ex.network;
  if (!ex.asset.empty()) line["asset"] = ex.asset;
  if (!ex.transaction.empty()) line["transaction"] = ex.transaction;
  if (!ex.failure_code.empty()) line["error"] = ex.failure_code;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace x402gw::http
