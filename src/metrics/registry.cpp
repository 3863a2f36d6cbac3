#include "metrics/registry.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>

namespace x402gw::metrics {

struct Registry::Series {
  double value = 0;                  // counter or gauge
  std::vector<uint64_t> buckets;     // histogram: observations <= bound i (not cumulative)
  double sum = 0;
  uint64_t count = 0;
};

struct Registry::Shard {
  std::mutex mutex;
  // family index -> label string -> series
  std::vector<std::unordered_map<std::string, Series>> series;
};

namespace {

enum Op { kInc = 0, kObserve = 1, kSet = 2 };

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Inserts le="..." into a label string.
std::string with_le(const std::string& labels, const std::string& le) {
  if (labels.empty()) return "{le=\"" + le + "\"}";
  return labels.substr(0, labels.size() - 1) + ",le=\"" + le + "\"}";
}

}  // namespace

namespace {
std::atomic<uint64_t> next_registry_id{1};
}  // namespace

Registry::Registry() : id_(next_registry_id.fetch_add(1)) {}
Registry::~Registry() = default;

void Registry::add(Family family) { families_.push_back(std::move(family)); }

const Family* Registry::find(std::string_view name) const {
  for (const auto& f : families_)
    if (f.name == name) return &f;
  return nullptr;
}

namespace {

void append_labels(std::string& out, Labels labels) {
  if (labels.size() == 0) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_escaped(out, value);
    out += '"';
  }
  out += '}';
}

}  // namespace

std::string Registry::format_labels(Labels labels) {
  std::string out;
  append_labels(out, labels);
  return out;
}

Registry::Shard& Registry::local() {
  // One shard per thread per registry. The cache is keyed by the registry's unique id, not its
  // address: a later registry may live at the address of a destroyed one.
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

void Registry::update(std::string_view family_name, Labels labels, double value, int op) {
  const Family* family = find(family_name);
  if (!family) return;
  const size_t index = static_cast<size_t>(family - families_.data());
  Shard& shard = local();
  // Recording allocates nothing once a series exists: the key is built in a reused string.
  thread_local std::string key;
  key.clear();
  append_labels(key, labels);
  std::lock_guard lock(shard.mutex);
  if (shard.series.size() <= index) shard.series.resize(families_.size());
  auto& series = shard.series[index];
  auto it = series.find(key);
  if (it == series.end()) it = series.emplace(key, Series{}).first;
  Series& s = it->second;
  switch (op) {
    case kInc: s.value += value; break;
    case kSet: s.value = value; break;
    case kObserve: {
      if (s.buckets.empty()) s.buckets.assign(family->buckets.size(), 0);
      for (size_t i = 0; i < family->buckets.size(); ++i)
        if (value <= family->buckets[i]) {
          ++s.buckets[i];
          break;
        }
      s.sum += value;
      ++s.count;
      break;
    }
  }
}

void Registry::inc(std::string_view family, Labels labels, double value) { update(family, labels, value, kInc); }
void Registry::observe(std::string_view family, Labels labels, double value) { update(family, labels, value, kObserve); }
void Registry::set(std::string_view family, Labels labels, double value) { update(family, labels, value, kSet); }

std::string Registry::expose() const {
  // Merge the shards: counters and histograms add up; a gauge keeps the last shard's value
  // (gauges are set from one place).
  std::vector<std::map<std::string, Series>> merged(families_.size());
  {
    std::lock_guard lock(shards_mutex_);
    for (const auto& shard : shards_) {
      std::lock_guard shard_lock(shard->mutex);
      for (size_t index = 0; index < shard->series.size(); ++index)
        for (const auto& [labels, s] : shard->series[index]) {
          Series& m = merged[index][labels];
          m.value = families_[index].type == Type::gauge ? s.value : m.value + s.value;
          if (m.buckets.size() < s.buckets.size()) m.buckets.resize(s.buckets.size(), 0);
          for (size_t i = 0; i < s.buckets.size(); ++i) m.buckets[i] += s.buckets[i];
          m.sum += s.sum;
          m.count += s.count;
        }
    }
  }
  std::string out;
  for (size_t index = 0; index < families_.size(); ++index) {
    const Family& family = families_[index];
    out += "# HELP " + family.name + " " + family.help + "\n";
    out += "# TYPE " + family.name + " " +
           (family.type == Type::counter ? "counter" : family.type == Type::gauge ? "gauge" : "histogram") + "\n";
    for (const auto& [labels, s] : merged[index]) {
      if (family.type != Type::histogram) {
        out += family.name + labels + " " + number(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < family.buckets.size(); ++i) {
        cumulative += i < s.buckets.size() ? s.buckets[i] : 0;
        out += family.name + "_bucket" + with_le(labels, number(family.buckets[i])) + " " + std::to_string(cumulative) + "\n";
      }
      out += family.name + "_bucket" + with_le(labels, "+Inf") + " " + std::to_string(s.count) + "\n";
      out += family.name + "_sum" + labels + " " + number(s.sum) + "\n";
      out += family.name + "_count" + labels + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace x402gw::metrics
