#include "metrics/summary.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <utility>

#include "metrics/gateway_metrics.hpp"

namespace x402gw::metrics {
namespace {

std::atomic<uint64_t> next_summary_id{1};

constexpr std::string_view kOther = "other";

// The entry for `key` in a map kept to Summary::kMaxKeys entries: a new key past the bound counts
// under "other", so the map's size is bounded whatever the label values are.
template <class Map, class Key>
typename Map::mapped_type& bounded_entry(Map& map, const Key& key, const Key& other) {
  auto it = map.find(key);
  if (it != map.end()) return it->second;
  if (map.size() >= Summary::kMaxKeys - 1) return map[other];
  return map[key];
}

void assign_cut(std::string& field, std::string_view value) {
  field.assign(value.substr(0, Summary::kMaxField));
}

// The dashboard's outcome word for an exchange's payment, or "" when it does not count.
std::string_view outcome_word(core::PaymentOutcome o) {
  using core::PaymentOutcome;
  switch (o) {
    case PaymentOutcome::settled: return "settled";
    case PaymentOutcome::rejected: return "refused";
    case PaymentOutcome::outcome_unknown: return "unknown";
    case PaymentOutcome::settle_failed:
    case PaymentOutcome::settle_error: return "settle_failed";
    case PaymentOutcome::served_again: return "served_again";
    case PaymentOutcome::verify_error: return "verify_error";
    case PaymentOutcome::not_settled: return "not_settled";
    default: return "";
  }
}

template <size_t N>
nlohmann::json to_array(const std::array<double, N>& a) {
  nlohmann::json out = nlohmann::json::array();
  for (double v : a) out.push_back(v);
  return out;
}

template <size_t N>
double sum(const std::array<double, N>& a) {
  double s = 0;
  for (double v : a) s += v;
  return s;
}

// Windowed values merged over the shards.
struct Merged {
  std::array<double, 60> minutes{};
  std::array<double, 24> hours{};
  double total = 0;
  uint64_t count = 0;
  void add(const Windowed& w, int64_t now) {
    w.minutes.add_to(minutes, now);
    w.hours.add_to(hours, now);
    total += w.total;
    count += w.count;
  }
  void write(nlohmann::json& out) const {
    out["total"] = total;
    out["count"] = count;
    out["hour"] = sum(minutes);
    out["day"] = sum(hours);
    out["minutes"] = to_array(minutes);
    out["hours"] = to_array(hours);
  }
};

}  // namespace

struct FacilitatorStats {
  uint64_t calls = 0;
  uint64_t errors = 0;
  double last_seconds = 0;
  int64_t last_at_ms = 0;
  std::string last_error;
  std::string last_error_endpoint;
  int64_t last_error_ms = 0;
  TimeRing<60, 60> latency_sum;    // seconds, per minute
  TimeRing<60, 60> latency_count;  // calls, per minute
};

struct Summary::Shard {
  std::mutex mutex;
  std::map<std::string, Windowed, std::less<>> by_route;
  std::map<std::pair<std::string, std::string>, Windowed> by_asset;
  std::map<std::string, uint64_t, std::less<>> outcomes;
  std::map<std::string, uint64_t, std::less<>> refused;
  Windowed settled_counts, refused_counts, unknown_counts;
  std::array<RecentPayment, kRecent> recent;
  size_t recent_next = 0;
  size_t recent_size = 0;
  std::map<std::string, FacilitatorStats, std::less<>> facilitators;
};

Summary::Summary() : id_(next_summary_id.fetch_add(1)) {}
Summary::~Summary() = default;

Summary::Shard& Summary::local() {
  // As Registry::local: one shard per thread per summary, keyed by the summary's unique id.
  thread_local uint64_t owner = 0;
  thread_local Shard* shard = nullptr;
  if (owner != id_) {
    std::lock_guard lock(shards_mutex_);
    shards_.push_back(std::make_unique<Shard>());
    shard = shards_.back().get();
    owner = id_;
  }
  return *shard;
}

void Summary::record(const core::ExchangeRecord& r, int64_t now_ms) {
  if (!r.priced) return;
  const std::string_view outcome = outcome_word(r.payment);
  if (outcome.empty()) return;
  const int64_t now = now_ms / 1000;
  const std::string reason = outcome == "refused" ? GatewayMetrics::bounded_reason(r.error) : std::string();
  Shard& s = local();
  std::lock_guard lock(s.mutex);
  ++bounded_entry(s.outcomes, std::string(outcome), std::string(kOther));
  if (outcome == "refused") {
    ++bounded_entry(s.refused, reason, std::string(kOther));
    s.refused_counts.add(now, 1);
  } else if (outcome == "unknown") {
    s.unknown_counts.add(now, 1);
  } else if (outcome == "settled") {
    const double amount = std::strtod(r.amount.c_str(), nullptr);
    bounded_entry(s.by_route, r.route, std::string(kOther)).add(now, amount);
    bounded_entry(s.by_asset, std::pair(r.network, r.asset), std::pair(std::string(kOther), std::string(kOther))).add(now, amount);
    s.settled_counts.add(now, 1);
  }
  RecentPayment& p = s.recent[s.recent_next];
  s.recent_next = (s.recent_next + 1) % kRecent;
  s.recent_size = std::min(s.recent_size + 1, kRecent);
  p.at_ms = now_ms;
  assign_cut(p.outcome, outcome);
  assign_cut(p.reason, reason);
  assign_cut(p.route, r.route);
  assign_cut(p.network, r.network);
  assign_cut(p.asset, r.asset);
  assign_cut(p.amount, r.amount);
  assign_cut(p.payer, r.payer);
  assign_cut(p.transaction, r.transaction);
}

void Summary::facilitator_call(std::string_view facilitator, std::string_view endpoint, std::string_view outcome,
                               double seconds, int64_t now_ms) {
  const int64_t now = now_ms / 1000;
  Shard& s = local();
  std::lock_guard lock(s.mutex);
  auto it = s.facilitators.find(facilitator);
  if (it == s.facilitators.end())
    it = s.facilitators.emplace(std::string(s.facilitators.size() >= kMaxKeys - 1 ? kOther : facilitator), FacilitatorStats{}).first;
  FacilitatorStats& f = it->second;
  ++f.calls;
  f.last_seconds = seconds;
  f.last_at_ms = now_ms;
  f.latency_sum.add(now, seconds);
  f.latency_count.add(now, 1);
  if (outcome != "ok") {
    ++f.errors;
    assign_cut(f.last_error, outcome);
    assign_cut(f.last_error_endpoint, endpoint);
    f.last_error_ms = now_ms;
  }
}

void Summary::reconciled(std::string_view result, int64_t) {
  std::lock_guard lock(rare_mutex_);
  ++bounded_entry(reconciled_, std::string(result), std::string(kOther));
}

void Summary::start(int64_t now_ms) {
  std::lock_guard lock(rare_mutex_);
  started_ms_ = now_ms;
  last_reload_ms_ = now_ms;
  generation_ = 1;
}

void Summary::reload(bool ok, int64_t now_ms) {
  std::lock_guard lock(rare_mutex_);
  if (ok) ++generation_;
  else ++reloads_failed_;
  last_reload_ms_ = now_ms;
  last_reload_ok_ = ok;
}

void Summary::certificate_expiry(std::string_view listener, int64_t not_after) {
  std::lock_guard lock(rare_mutex_);
  bounded_entry(certificates_, std::string(listener), std::string(kOther)) = not_after;
}

nlohmann::json Summary::to_json(int64_t now_ms, const Live& live) const {
  const int64_t now = now_ms / 1000;
  std::map<std::string, Merged, std::less<>> by_route;
  std::map<std::pair<std::string, std::string>, Merged> by_asset;
  std::map<std::string, uint64_t, std::less<>> outcomes, refused;
  Merged settled_counts, refused_counts, unknown_counts;
  std::vector<RecentPayment> recent;
  struct FacilitatorMerged {
    uint64_t calls = 0, errors = 0;
    double last_seconds = 0;
    int64_t last_at_ms = 0;
    std::string last_error, last_error_endpoint;
    int64_t last_error_ms = 0;
    std::array<double, 60> latency_sum{}, latency_count{};
  };
  std::map<std::string, FacilitatorMerged, std::less<>> facilitators;
  {
    std::lock_guard shards_lock(shards_mutex_);
    for (const auto& shard : shards_) {
      std::lock_guard lock(shard->mutex);
      for (const auto& [route, w] : shard->by_route) by_route[route].add(w, now);
      for (const auto& [key, w] : shard->by_asset) by_asset[key].add(w, now);
      for (const auto& [k, n] : shard->outcomes) outcomes[k] += n;
      for (const auto& [k, n] : shard->refused) refused[k] += n;
      settled_counts.add(shard->settled_counts, now);
      refused_counts.add(shard->refused_counts, now);
      unknown_counts.add(shard->unknown_counts, now);
      for (size_t i = 0; i < shard->recent_size; ++i) recent.push_back(shard->recent[i]);
      for (const auto& [name, f] : shard->facilitators) {
        FacilitatorMerged& m = facilitators[name];
        m.calls += f.calls;
        m.errors += f.errors;
        if (f.last_at_ms >= m.last_at_ms) {
          m.last_at_ms = f.last_at_ms;
          m.last_seconds = f.last_seconds;
        }
        if (f.last_error_ms > m.last_error_ms) {
          m.last_error_ms = f.last_error_ms;
          m.last_error = f.last_error;
          m.last_error_endpoint = f.last_error_endpoint;
        }
        f.latency_sum.add_to(m.latency_sum, now);
        f.latency_count.add_to(m.latency_count, now);
      }
    }
  }
  // Newest first, kRecent at most, however many threads recorded.
  std::stable_sort(recent.begin(), recent.end(), [](const RecentPayment& a, const RecentPayment& b) { return a.at_ms > b.at_ms; });
  if (recent.size() > kRecent) recent.resize(kRecent);

  nlohmann::json out;
  out["now_ms"] = now_ms;
  {
    std::lock_guard lock(rare_mutex_);
    out["config"] = {{"hash", live.config_hash},     {"generation", generation_},        {"last_reload_ms", last_reload_ms_},
                     {"last_reload_ok", last_reload_ok_}, {"reloads_failed", reloads_failed_}, {"started_ms", started_ms_}};
    out["reconciled"] = nlohmann::json::object();
    for (const auto& [k, n] : reconciled_) out["reconciled"][k] = n;
    out["certificates"] = nlohmann::json::array();
    for (const auto& [listener, not_after] : certificates_)
      out["certificates"].push_back({{"listener", listener}, {"not_after", not_after}, {"seconds_left", not_after - now}});
  }
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& [route, m] : by_route) {
    nlohmann::json j = {{"route", route}};
    m.write(j);
    routes.push_back(std::move(j));
  }
  nlohmann::json assets = nlohmann::json::array();
  for (const auto& [key, m] : by_asset) {
    nlohmann::json j = {{"network", key.first}, {"asset", key.second}};
    for (const auto& u : live.units)
      if (u.network == key.first && u.asset == key.second) j["decimals"] = u.decimals;
    m.write(j);
    assets.push_back(std::move(j));
  }
  out["revenue"] = {{"by_route", std::move(routes)}, {"by_asset", std::move(assets)}};
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [k, n] : outcomes) counts[k] = n;
  nlohmann::json reasons = nlohmann::json::object();
  for (const auto& [k, n] : refused) reasons[k] = n;
  nlohmann::json trend = nlohmann::json::object();
  settled_counts.write(trend["settled"]);
  refused_counts.write(trend["refused"]);
  unknown_counts.write(trend["unknown"]);
  out["payments"] = {{"outcomes", std::move(counts)}, {"refused", std::move(reasons)}, {"trend", std::move(trend)}};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : recent)
    list.push_back({{"at_ms", p.at_ms}, {"outcome", p.outcome}, {"reason", p.reason}, {"route", p.route}, {"network", p.network},
                    {"asset", p.asset}, {"amount", p.amount}, {"payer", p.payer}, {"transaction", p.transaction}});
  out["recent"] = std::move(list);

  // Every configured facilitator is listed (with its breaker), plus any seen in calls.
  nlohmann::json fs = nlohmann::json::array();
  auto facilitator_json = [&](const std::string& name, const std::string& breaker) {
    nlohmann::json j = {{"name", name}, {"breaker", breaker}};
    auto it = facilitators.find(name);
    const FacilitatorMerged m = it == facilitators.end() ? FacilitatorMerged{} : it->second;
    j["calls"] = m.calls;
    j["errors"] = m.errors;
    j["last_latency_ms"] = m.last_seconds * 1000;
    j["last_call_ms"] = m.last_at_ms;
    j["last_error"] = m.last_error;
    j["last_error_endpoint"] = m.last_error_endpoint;
    j["last_error_ms"] = m.last_error_ms;
    nlohmann::json per_minute = nlohmann::json::array();
    double sum_all = 0, count_all = 0;
    for (size_t i = 0; i < 60; ++i) {
      per_minute.push_back(m.latency_count[i] > 0 ? m.latency_sum[i] / m.latency_count[i] * 1000 : 0.0);
      sum_all += m.latency_sum[i];
      count_all += m.latency_count[i];
    }
    j["latency_ms_minutes"] = std::move(per_minute);
    j["hour_avg_latency_ms"] = count_all > 0 ? sum_all / count_all * 1000 : 0.0;
    return j;
  };
  for (const auto& [name, breaker] : live.breakers) fs.push_back(facilitator_json(name, breaker));
  for (const auto& [name, m] : facilitators)
    if (std::none_of(live.breakers.begin(), live.breakers.end(), [&](const auto& b) { return b.first == name; }))
      fs.push_back(facilitator_json(name, "unknown"));
  out["facilitators"] = std::move(fs);
  out["reconciliation"] = live.reconciliation;
  out["connections"] = {{"in_flight", live.in_flight}, {"open", live.open_connections}};
  out["limits"] = {{"recent", kRecent}, {"keys", kMaxKeys}, {"minute_buckets", 60}, {"hour_buckets", 24}};
  return out;
}

}  // namespace x402gw::metrics
