#pragma once
// One JSON line per exchange, from its plain record. Never the payment header, never a secret.
//
// Lines are gathered per worker thread and written in batches, one write per batch, never under a
// lock shared by the workers: the thread that logs the first line of a batch schedules
// flush_thread() to run once its event loop has done the work that is ready now. Under load a
// batch holds every request finished in one turn of the loop; when idle, a line goes out at once.
#include <cstdio>
#include <string>

#include "core/exchange_record.hpp"

namespace x402gw::metrics {

/// Writes access log lines to a FILE (stdout by default). One instance per process at a time.
class AccessLog {
 public:
  /// A batch is written when it reaches this size, without waiting for flush_thread().
  static constexpr size_t kBatchBytes = 32 * 1024;

  explicit AccessLog(std::FILE* out) : out_(out) {}
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  /// Adds the line of `r` to this thread's batch. True when the batch was empty before: the
  /// caller must then make this thread call flush_thread() soon (it has not been scheduled yet).
  bool write(const core::ExchangeRecord& r);
  /// Writes this thread's batch, if any. Every thread that wrote must call it before the log
  /// is destroyed.
  void flush_thread();

  /// The JSON line of one record, without the newline.
  static std::string line(const core::ExchangeRecord& r);

 private:
  void write_out(std::string& batch);

  std::FILE* out_;
};

}  // namespace x402gw::metrics
