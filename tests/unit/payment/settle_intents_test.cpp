// Settle intents: the write-ahead record of every /settle. Recording and marking done, rotation by
// size, unlinking of finished segments, recovery (a "restart" is a new read of the same folder,
// after the object was dropped as a kill -9 would leave it), torn last lines, bad files, and many
// worker threads at once.
#include "payment/settle_intents.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

using namespace x402gw::payment;
namespace fs = std::filesystem;

namespace {

UnknownSettlement sample(const std::string& id) {
  return UnknownSettlement{id, "fac", "GET /paid", "eip155:84532", R"({"x402Version":2,"paymentPayload":{"n":")" + id + "\"}}",
                           "ab12", 1'800'000'000, 1'700'000'000};
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("x402gw-intents-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

std::vector<std::string> segment_files(const std::string& state_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(intents_dir(state_dir), ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> identities(const std::vector<UnknownSettlement>& v) {
  std::vector<std::string> out;
  for (const auto& u : v) out.push_back(u.identity);
  return out;
}

// What a kill -9 leaves: the object's files as they are, never its destructor's clean-up (the
// files are put back as they were after the object is gone; leaking it would trip the sanitizers).
struct Crashed {
  std::unique_ptr<SettleIntents> intents;
  std::string state_dir;
  ~Crashed() {
    std::vector<std::pair<fs::path, std::string>> snapshot;
    for (const auto& e : fs::directory_iterator(intents_dir(state_dir))) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      snapshot.emplace_back(e.path(), text.str());
    }
    intents.reset();
    for (const auto& [path, text] : snapshot) std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
};

}  // namespace

TEST(SettleIntents, TheIntentLineIsTheJournalsUnknownLineByteForByte) {
  std::vector<UnknownSettlement> cases{sample("plain")};
  UnknownSettlement odd = sample("odd");
  odd.body = std::string("quote\" backslash\\ controls\b\f\n\r\t\x01\x1f\x7f slash/ end");
  odd.facilitator = "fac \"one\"";
  odd.expires_at = INT64_MAX;
  odd.recorded_at = -1;
  cases.push_back(odd);
  UnknownSettlement utf8 = sample("utf8");
  utf8.route = "GET /caf\xc3\xa9";  // valid UTF-8: left to nlohmann
  cases.push_back(utf8);
  UnknownSettlement invalid = sample("invalid");
  invalid.body = "bad \xff byte";  // invalid UTF-8: replaced, as in the journal
  cases.push_back(invalid);
  UnknownSettlement empty;
  cases.push_back(empty);
  for (const auto& u : cases) EXPECT_EQ(intent_line(u), unknown_line(u));
  EXPECT_EQ(parse_journal(intent_line(odd)).open, std::vector<UnknownSettlement>{odd});
}

TEST(SettleIntents, AnIntentWithoutItsDoneMarkIsRecoveredWithEverythingToAskAgain) {
  TempDir dir;
  Crashed crashed{std::make_unique<SettleIntents>(dir.str()), dir.str()};
  const SettleIntent a = crashed.intents->record(sample("a"));
  const SettleIntent b = crashed.intents->record(sample("b"));
  const SettleIntent c = crashed.intents->record(sample("c"));
  ASSERT_TRUE(a && b && c);
  crashed.intents->done(b);
  EXPECT_EQ(crashed.intents->open_intents(), 2u);

  const RecoveredIntents found = read_settle_intents(dir.str());
  ASSERT_EQ(found.open.size(), 2u);
  EXPECT_EQ(found.open[0], sample("a"));  // every field, the exact /settle body included
  EXPECT_EQ(found.open[1], sample("c"));
  EXPECT_EQ(found.bad_lines, 0u);
  EXPECT_EQ(found.files.size(), 1u);
}

TEST(SettleIntents, ACleanStopLeavesNoFileAndDoneIntentsAreNotRecovered) {
  TempDir dir;
  {
    SettleIntents intents(dir.str());
    for (int i = 0; i < 5; ++i) intents.done(intents.record(sample("x" + std::to_string(i))));
    EXPECT_EQ(intents.open_intents(), 0u);
  }
  EXPECT_TRUE(segment_files(dir.str()).empty());
  EXPECT_TRUE(read_settle_intents(dir.str()).open.empty());
}

TEST(SettleIntents, AStopWithASettleInFlightKeepsItsSegmentForRecovery) {
  TempDir dir;
  {
    SettleIntents intents(dir.str());
    (void)intents.record(sample("in-flight"));
    intents.done(intents.record(sample("answered")));
  }
  EXPECT_EQ(identities(read_settle_intents(dir.str()).open), std::vector<std::string>{"in-flight"});
}

TEST(SettleIntents, TheSameIdentityRecordedAgainAfterItsDoneMarkIsOpenAgain) {
  // A refused payment is released and may be presented again: a second /settle, a second intent.
  TempDir dir;
  Crashed crashed{std::make_unique<SettleIntents>(dir.str()), dir.str()};
  crashed.intents->done(crashed.intents->record(sample("p")));
  (void)crashed.intents->record(sample("p"));
  EXPECT_EQ(identities(read_settle_intents(dir.str()).open), std::vector<std::string>{"p"});
}

TEST(SettleIntents, FullSegmentsRotateAndAreUnlinkedOnceTheirLastIntentIsDone) {
  TempDir dir;
  const size_t line = unknown_line(sample("r0")).size();
  // Two intents per segment.
  SettleIntents intents(dir.str(), 2 * line + 10);
  std::vector<SettleIntent> open;
  for (int i = 0; i < 6; ++i) open.push_back(intents.record(sample("r" + std::to_string(i))));
  EXPECT_EQ(segment_files(dir.str()), (std::vector<std::string>{"w0-0.jsonl", "w0-1.jsonl", "w0-2.jsonl"}));
  EXPECT_EQ(intents.segments(), 3u);

  // A closed segment stays while one of its intents is in flight, whatever the others did.
  intents.done(open[0]);
  EXPECT_EQ(segment_files(dir.str()).size(), 3u);
  intents.done(open[1]);
  EXPECT_EQ(segment_files(dir.str()), (std::vector<std::string>{"w0-1.jsonl", "w0-2.jsonl"}));
  // The current segment is kept even when nothing in it is open: it is still being appended to.
  intents.done(open[4]);
  intents.done(open[5]);
  EXPECT_EQ(segment_files(dir.str()), (std::vector<std::string>{"w0-1.jsonl", "w0-2.jsonl"}));
  // A full current segment with nothing open is unlinked as soon as the next one begins.
  open.push_back(intents.record(sample("r6")));
  EXPECT_EQ(segment_files(dir.str()), (std::vector<std::string>{"w0-1.jsonl", "w0-3.jsonl"}));
  EXPECT_EQ(identities(read_settle_intents(dir.str()).open), (std::vector<std::string>{"r2", "r3", "r6"}));
  intents.done(open[2]);
  intents.done(open[3]);
  intents.done(open[6]);
  EXPECT_EQ(segment_files(dir.str()), std::vector<std::string>{"w0-3.jsonl"});
  EXPECT_EQ(intents.open_intents(), 0u);
}

TEST(SettleIntents, DiskUseStaysBoundedUnderASteadyStreamWithAFewSlowSettles) {
  TempDir dir;
  const uint64_t segment = 64 * 1024;
  SettleIntents intents(dir.str(), segment);
  std::vector<SettleIntent> slow;
  uintmax_t most = 0;
  for (int i = 0; i < 20000; ++i) {
    SettleIntent it = intents.record(sample("s" + std::to_string(i)));
    if (i % 5000 == 0) slow.push_back(std::move(it));  // in flight for a long time
    else intents.done(it);
    if (i % 500 == 0) {
      uintmax_t bytes = 0;
      for (const auto& e : fs::directory_iterator(intents_dir(dir.str()))) bytes += e.file_size();
      most = std::max(most, bytes);
    }
  }
  // The current segment plus one pinned segment per slow settle. Each holds at most `segment`
  // bytes of intents (and one line more) plus the done marks of those intents.
  const uint64_t line = unknown_line(sample("s00000")).size();
  const uint64_t done = std::string(R"({"type":"resolved","id":"s00000","how":"answered"})").size() + 1;
  EXPECT_LE(most, (1 + slow.size()) * ((segment + line) * (line + done) / line));
  EXPECT_GT(most, segment);  // several segments were live at once
  EXPECT_EQ(intents.segments(), 1 + slow.size());
  for (auto& it : slow) intents.done(it);
  EXPECT_EQ(intents.segments(), 1u);
}

TEST(SettleIntents, ATornLastLineIsSkippedAndTheRestRecovered) {
  TempDir dir;
  {
    Crashed crashed{std::make_unique<SettleIntents>(dir.str()), dir.str()};
    (void)crashed.intents->record(sample("whole"));
  }
  const fs::path file = fs::path(intents_dir(dir.str())) / "w0-0.jsonl";
  const std::string torn = unknown_line(sample("torn"));
  std::ofstream(file, std::ios::app | std::ios::binary) << torn.substr(0, torn.size() / 2);
  const RecoveredIntents found = read_settle_intents(dir.str());
  EXPECT_EQ(identities(found.open), std::vector<std::string>{"whole"});
  EXPECT_EQ(found.bad_lines, 1u);
}

TEST(SettleIntents, BadFilesAreCountedAndLeftInPlaceNeverACrash) {
  TempDir dir;
  {
    Crashed crashed{std::make_unique<SettleIntents>(dir.str()), dir.str()};
    (void)crashed.intents->record(sample("good"));
  }
  const fs::path folder = intents_dir(dir.str());
  fs::create_directories(folder / "w9-0.jsonl");                      // a directory where a segment would be
  std::ofstream(folder / "w8-0.jsonl") << "not json\n{\"type\":1}\n";  // garbage lines
  std::ofstream(folder / "notes.txt") << "an operator's file\n";       // not a segment: ignored
  const RecoveredIntents found = read_settle_intents(dir.str());
  EXPECT_EQ(identities(found.open), std::vector<std::string>{"good"});
  EXPECT_EQ(found.bad_files, 1u);
  EXPECT_EQ(found.bad_lines, 2u);
  EXPECT_EQ(found.files.size(), 2u);
}

TEST(SettleIntents, ManyWorkerThreadsEachWriteTheirOwnSegments) {
  TempDir dir;
  constexpr int kThreads = 8, kEach = 2000;
  Crashed crashed{std::make_unique<SettleIntents>(dir.str(), 32 * 1024), dir.str()};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        SettleIntent it = crashed.intents->record(sample("t" + std::to_string(t) + "-" + std::to_string(i)));
        ASSERT_TRUE(it);
        if (i % 100 != 7) crashed.intents->done(it);  // every hundredth stays in flight
      }
    });
  for (auto& th : threads) th.join();
  std::set<std::string> expected;
  for (int t = 0; t < kThreads; ++t)
    for (int i = 7; i < kEach; i += 100) expected.insert("t" + std::to_string(t) + "-" + std::to_string(i));
  const RecoveredIntents found = read_settle_intents(dir.str());
  const std::vector<std::string> got = identities(found.open);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_EQ(found.bad_lines, 0u);
  std::set<std::string> workers;
  for (const auto& f : segment_files(dir.str())) workers.insert(f.substr(0, f.find('-')));
  EXPECT_EQ(workers.size(), size_t{kThreads});
}

TEST(SettleIntents, DoneOnAnotherThreadIsIgnoredAndLeavesTheIntentToRecovery) {
  TempDir dir;
  Crashed crashed{std::make_unique<SettleIntents>(dir.str()), dir.str()};
  const SettleIntent it = crashed.intents->record(sample("moved"));
  std::thread([&] { crashed.intents->done(it); }).join();
  EXPECT_EQ(identities(read_settle_intents(dir.str()).open), std::vector<std::string>{"moved"});
}

TEST(SettleIntents, RecoveryJournalsTheOpenIntentsOnceAndRemovesTheSegments) {
  TempDir dir;
  {
    Crashed crashed{std::make_unique<SettleIntents>(dir.str()), dir.str()};
    (void)crashed.intents->record(sample("lost"));
    (void)crashed.intents->record(sample("journaled-too"));
    crashed.intents->done(crashed.intents->record(sample("answered")));
  }
  {
    JournalContents loaded;
    SettlementJournal journal(dir.str(), loaded);
    // A settle that timed out was journaled, and the crash came before its done mark.
    ASSERT_TRUE(journal.append(unknown_line(sample("journaled-too"))));
  }
  JournalContents loaded;
  {
    SettlementJournal journal(dir.str(), loaded);
    EXPECT_EQ(recover_settle_intents(dir.str(), journal, loaded), 1u);
  }
  EXPECT_EQ(identities(loaded.open), (std::vector<std::string>{"journaled-too", "lost"}));
  EXPECT_TRUE(segment_files(dir.str()).empty());
  // The journal now holds them for the next start, with every field.
  JournalContents again;
  SettlementJournal reopened(dir.str(), again);
  EXPECT_EQ(again.open, (std::vector<UnknownSettlement>{sample("journaled-too"), sample("lost")}));
  EXPECT_EQ(recover_settle_intents(dir.str(), reopened, again), 0u);
}

TEST(SettleIntents, NewSegmentsNeverReuseTheNameOfOneLeftBehind) {
  TempDir dir;
  {
    Crashed crashed{std::make_unique<SettleIntents>(dir.str()), dir.str()};
    (void)crashed.intents->record(sample("old"));
  }
  SettleIntents intents(dir.str());
  intents.done(intents.record(sample("new")));
  EXPECT_EQ(identities(read_settle_intents(dir.str()).open), std::vector<std::string>{"old"});
}
