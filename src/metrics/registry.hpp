#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, written in the text
// exposition format 0.0.4. Updates go to the calling thread's shard (an uncontended lock); a
// scrape merges the shards.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace x402gw::metrics {

enum class Type { counter, gauge, histogram };

/// A metric family as registered: its name, help text, type and (histograms) bucket bounds.
struct Family {
  std::string name;
  std::string help;
  Type type = Type::counter;
  std::vector<double> buckets;
};

/// Label pairs for one series; values are escaped when written.
using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

/// The registry. Families are registered before use; unknown names are ignored.
class Registry {
 public:
  Registry();
  ~Registry();

  void add(Family family);

  /// Adds `value` to a counter (or sets nothing for other types).
  void inc(std::string_view family, Labels labels, double value = 1);
  /// Records one observation in a histogram.
  void observe(std::string_view family, Labels labels, double value);
  /// Sets a gauge.
  void set(std::string_view family, Labels labels, double value);

  /// The text exposition of every family, in registration order, series sorted by labels.
  std::string expose() const;

  /// `{a="x",b="y"}` with values escaped as the format requires ("" for no labels).
  static std::string format_labels(Labels labels);

 private:
  struct Series;
  struct Shard;
  Shard& local();
  const Family* find(std::string_view name) const;
  void update(std::string_view family, Labels labels, double value, int op);

  const uint64_t id_;
  std::vector<Family> families_;
  mutable std::mutex shards_mutex_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace x402gw::metrics
