#pragma once
// The write-ahead record of every /settle: a "settle intent" is written before the request goes out
// and marked done once the answer was dealt with (settled, refused, or journaled as unknown in the
// SettlementJournal). If the process dies while a /settle is in flight, the payment may land with
// nobody left to know it; at the next start recover_settle_intents() turns every intent without its
// done mark into an unknown outcome in the SettlementJournal, and the reconciler asks the
// facilitator again with the very same /settle body (rules R2 and R5 in README.md).
//
// Cost: this runs on every paid request, so there is no lock and no fsync on the hot path. Each
// worker thread appends to its own segment file, <state.dir>/intents/w<worker>-<seq>.jsonl: one
// write() for the intent (the SettlementJournal's unknown_line) and one for its done mark (a
// "resolved" line, so parse_journal reads a segment as it reads the journal).
//
// Durability, stated honestly: a write() is in the page cache when it returns, so an intent survives
// a crash of the PROCESS (kill -9, abort, an out-of-memory kill), which is the fault this guards
// against. Nothing here calls fsync: against a crash of the MACHINE (power loss, kernel panic) only
// what the kernel had already written back survives (by default, lines older than about 30 s), so a
// /settle in flight at a power loss can still be forgotten.
//
// Disk use is bounded: a segment is closed once it holds `segment_bytes`, and a closed segment is
// unlinked as soon as its last intent is done (a done mark always goes to its intent's segment, so
// every segment is whole on its own). Per worker thread: the current segment, plus the closed
// segments still holding a /settle in flight. See README.md ("settle intents") for the bound.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "payment/settlement_journal.hpp"

namespace x402gw::payment {

/// The size at which a worker's segment is closed and a new one begun.
inline constexpr uint64_t kIntentSegmentBytes = 4 * 1024 * 1024;

/// The folder of the segments under state.dir.
std::string intents_dir(const std::string& state_dir);

/// unknown_line(u), byte for byte (the journal's format), written without building a JSON value:
/// on every paid request, escaping the /settle body is most of what recording costs.
std::string intent_line(const UnknownSettlement& u);

/// One recorded intent, to hand back to done(). Empty (not recorded) when the disk refused it.
struct SettleIntent {
  void* writer = nullptr;  // the recording thread's writer (opaque)
  uint64_t segment = 0;
  std::string identity;
  explicit operator bool() const { return writer != nullptr; }
};

/// The settle intents of one process. record() and done() are called by the worker threads; each
/// thread writes only its own segments, so they take no lock (a thread's first call registers it).
class SettleIntents {
 public:
  /// Creates <state_dir>/intents if needed. Segments are created on first use. Throws
  /// std::runtime_error with the path when the folder cannot be made (start-up only).
  explicit SettleIntents(const std::string& state_dir, uint64_t segment_bytes = kIntentSegmentBytes);
  /// Closes the segments; those with no open intent are unlinked, the others stay for recovery.
  ~SettleIntents();
  SettleIntents(const SettleIntents&) = delete;
  SettleIntents& operator=(const SettleIntents&) = delete;

  /// Appends the intent (one write()) before its /settle goes out. An empty result when the disk
  /// refused it (logged once per failure streak): the /settle goes out unrecorded, as before.
  SettleIntent record(const UnknownSettlement& u);
  /// Marks the intent done (one write()), and unlinks its segment when that was the segment's last
  /// open intent and the segment is closed. Must be called on the thread that recorded it (a paid
  /// request's coroutine stays on its worker); from another thread it is logged and ignored, which
  /// leaves the intent to recovery: the safe side.
  void done(const SettleIntent& intent);

  /// For tests, while no thread records: segment files this object holds, and open intents.
  size_t segments() const;
  size_t open_intents() const;

  struct Writer;  // one worker thread's segments (settle_intents.cpp)

 private:
  Writer& writer();

  std::string dir_;
  uint64_t segment_bytes_;
  uint64_t serial_;  // tells this object from a later one at the same address (thread-local cache)
  mutable std::mutex mutex_;  // only to register a thread's writer, and for the counts above
  std::vector<std::unique_ptr<Writer>> writers_;
};

/// What recover_settle_intents() found.
struct RecoveredIntents {
  std::vector<UnknownSettlement> open;  // intents with no done mark, in the order recorded
  std::vector<std::string> files;       // the segments read (removed once their intents are safe)
  size_t bad_lines = 0;                 // unreadable lines (a torn last line is a crash mid-write)
  size_t bad_files = 0;                 // files that could not be read (logged, left in place)
};

/// Reads every segment under <state_dir>/intents. Pure reading: nothing is removed. Never throws
/// for a bad file: it is logged with its path and counted.
RecoveredIntents read_settle_intents(const std::string& state_dir);

/// At start, before the first request: the intents left by the last process become unknown outcomes
/// in `journal` (one durable append; those whose identity `loaded` already holds are skipped) and
/// are added to `loaded.open`, so the reconciler restores and asks about them; then the segments are
/// removed. Returns how many were added. Throws std::runtime_error when the journal refused them
/// (the segments are then kept for the next start).
size_t recover_settle_intents(const std::string& state_dir, SettlementJournal& journal, JournalContents& loaded);

}  // namespace x402gw::payment
