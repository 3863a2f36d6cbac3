#pragma once
// The durable record of settlements whose outcome is unknown (a /settle that went out and got no
// answer). One append-only file of JSON lines under `state.dir`, each line written with one
// write() and made durable with fdatasync() before the claim is finished, so that a crash (kill -9
// included) loses none of them. Resolved entries are dropped when the file is compacted, at start.
// A torn last line (a crash in the middle of a write) is skipped alone; every other line is kept.
//
// The file I/O is blocking: it happens only for unknown outcomes, which are rare, and an fsync of
// one short line is cheaper than the settle timeout that preceded it.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::payment {

/// One settlement whose outcome is unknown: everything needed to ask the facilitator again.
struct UnknownSettlement {
  std::string identity;     // the replay identity (x402::PaymentScheme::identity)
  std::string facilitator;  // the configured facilitator's name
  std::string route;        // the route's name, for logs
  std::string network;
  std::string body;         // the exact /settle request body that was sent
  std::string payload_digest;  // hex SHA-256 of the payment payload (see repeat_receipt.hpp)
  int64_t expires_at = 0;   // unix seconds after which the payment can no longer settle
  int64_t recorded_at = 0;  // unix seconds
  bool operator==(const UnknownSettlement&) const = default;
};

/// How an unknown outcome was resolved.
enum class Resolution {
  settled,    // it landed: the claim is settled
  released,   // it provably never landed: the claim is released
  abandoned,  // it can no longer be learned: the claim stays unknown until the store forgets it
};

/// The word written in the journal ("settled").
std::string_view to_string(Resolution r);

/// The journal line (with its '\n') recording an unknown outcome.
std::string unknown_line(const UnknownSettlement& u);
/// The journal line (with its '\n') recording its resolution.
std::string resolved_line(std::string_view identity, Resolution how, std::string_view receipt);

/// What a journal's text holds.
struct JournalContents {
  std::vector<UnknownSettlement> open;  // unknown and not resolved, in the order recorded
  size_t bad_lines = 0;                 // lines that did not parse (a torn last line among them)
};

/// Reads a journal's text. Pure: tested in tests/unit/payment/settlement_journal_test.cpp.
JournalContents parse_journal(std::string_view text);

/// The journal file of one process.
class SettlementJournal {
 public:
  /// Opens `dir`/unknown-settlements.jsonl (creating the directory and the file), reads it into
  /// `loaded`, and compacts it to the open entries (written aside, fsynced, renamed over).
  /// Throws std::runtime_error with the path and the reason (start-up only).
  SettlementJournal(const std::string& dir, JournalContents& loaded);
  ~SettlementJournal();
  SettlementJournal(const SettlementJournal&) = delete;
  SettlementJournal& operator=(const SettlementJournal&) = delete;

  /// Appends a line and makes it durable. False (and logged) when the disk refused it.
  bool append(std::string_view line);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::mutex mutex_;
  int fd_ = -1;
  bool torn_ = false;  // the last append failed and may have left a partial line
};

}  // namespace x402gw::payment
