// The settlement journal: its lines, its reading (torn last line included), and the file's
// compaction across "restarts" (a new SettlementJournal on the same directory).
#include "payment/settlement_journal.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace x402gw::payment;

namespace {

UnknownSettlement sample(const std::string& id) {
  return UnknownSettlement{id, "fac", "route-a", "eip155:31337", R"({"x402Version":2,"paymentPayload":{"n":")" + id + "\"}}",
                           "ab12", 1'800'000'000, 1'700'000'000};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() / ("x402gw-journal-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST(SettlementJournal, LinesRoundTrip) {
  const UnknownSettlement a = sample("evm:1:0xabc:0x01");
  const JournalContents c = parse_journal(unknown_line(a));
  ASSERT_EQ(c.open.size(), 1u);
  EXPECT_EQ(c.open[0], a);
  EXPECT_EQ(c.bad_lines, 0u);
}

TEST(SettlementJournal, ResolvedEntriesAreNotOpen) {
  const std::string text = unknown_line(sample("a")) + unknown_line(sample("b")) + resolved_line("a", Resolution::settled, "{}") +
                           unknown_line(sample("c")) + resolved_line("c", Resolution::abandoned, "");
  const JournalContents c = parse_journal(text);
  ASSERT_EQ(c.open.size(), 1u);
  EXPECT_EQ(c.open[0].identity, "b");
}

TEST(SettlementJournal, ATornLastLineLosesNothingElse) {
  const std::string whole = unknown_line(sample("a")) + unknown_line(sample("b"));
  const std::string torn_entry = unknown_line(sample("c"));
  // Every cut of the last line: the two whole entries survive; the torn one is skipped.
  for (size_t cut = 0; cut < torn_entry.size(); ++cut) {
    const JournalContents c = parse_journal(whole + torn_entry.substr(0, cut));
    ASSERT_EQ(c.open.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(c.open[0].identity, "a");
    EXPECT_EQ(c.open[1].identity, "b");
    EXPECT_EQ(c.bad_lines, cut == 0 ? 0u : 1u) << "cut at " << cut;
  }
  // A torn "resolved" line leaves its entry open: asking again is safe, forgetting it is not.
  const std::string resolved = resolved_line("a", Resolution::settled, "{}");
  const JournalContents c = parse_journal(whole + resolved.substr(0, resolved.size() - 3));
  EXPECT_EQ(c.open.size(), 2u);
}

TEST(SettlementJournal, GarbageLinesAreSkippedAlone) {
  const std::string text = unknown_line(sample("a")) + "not json\n" + "{\"type\":\"unknown\",\"id\":\"x\"}\n" + "[1,2]\n" +
                           "{\"type\":\"other\",\"id\":\"y\"}\n" + "\n" + unknown_line(sample("b"));
  const JournalContents c = parse_journal(text);
  ASSERT_EQ(c.open.size(), 2u);
  EXPECT_EQ(c.bad_lines, 4u);
}

TEST(SettlementJournal, ARecordedTwiceEntryIsOpenOnce) {
  const JournalContents c = parse_journal(unknown_line(sample("a")) + unknown_line(sample("a")));
  EXPECT_EQ(c.open.size(), 1u);
}

TEST(SettlementJournal, AppendsSurviveARestartAndCompactionDropsResolved) {
  TempDir dir;
  {
    JournalContents loaded;
    SettlementJournal journal(dir.str(), loaded);
    EXPECT_TRUE(loaded.open.empty());
    EXPECT_TRUE(journal.append(unknown_line(sample("a"))));
    EXPECT_TRUE(journal.append(unknown_line(sample("b"))));
    EXPECT_TRUE(journal.append(resolved_line("a", Resolution::settled, "{}")));
  }
  const std::string path = dir.str() + "/unknown-settlements.jsonl";
  EXPECT_EQ(parse_journal(read_file(path)).open.size(), 1u);
  {
    JournalContents loaded;
    SettlementJournal journal(dir.str(), loaded);
    ASSERT_EQ(loaded.open.size(), 1u);
    EXPECT_EQ(loaded.open[0], sample("b"));
    // Compacted: only the open entry is left in the file.
    EXPECT_EQ(read_file(path), unknown_line(sample("b")));
  }
}

TEST(SettlementJournal, ACrashMidWriteIsRepairedOnOpen) {
  TempDir dir;
  {
    JournalContents loaded;
    SettlementJournal journal(dir.str(), loaded);
    journal.append(unknown_line(sample("a")));
  }
  const std::string path = dir.str() + "/unknown-settlements.jsonl";
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    const std::string torn = unknown_line(sample("b"));
    out << torn.substr(0, torn.size() / 2);  // the process died in the middle of this write
  }
  JournalContents loaded;
  SettlementJournal journal(dir.str(), loaded);
  ASSERT_EQ(loaded.open.size(), 1u);
  EXPECT_EQ(loaded.open[0].identity, "a");
  EXPECT_EQ(loaded.bad_lines, 1u);
  // The torn bytes are gone: the next append starts a line of its own.
  journal.append(unknown_line(sample("c")));
  const JournalContents after = parse_journal(read_file(path));
  ASSERT_EQ(after.open.size(), 2u);
  EXPECT_EQ(after.open[1].identity, "c");
  EXPECT_EQ(after.bad_lines, 0u);
}

TEST(SettlementJournal, AnUnwritableDirectoryIsAStartUpError) {
  TempDir dir;
  std::filesystem::create_directories(dir.str());
  const std::string file = dir.str() + "/plain-file";
  std::ofstream(file) << "x";
  JournalContents loaded;
  EXPECT_THROW(SettlementJournal(file + "/sub", loaded), std::runtime_error);
}
