// The access log: one JSON line per exchange, gathered per thread and written in batches.
#include "metrics/access_log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

using namespace x402gw;

namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) text.append(buf, n);
  return text;
}

core::ExchangeRecord record(std::string path) {
  core::ExchangeRecord r;
  r.client = "127.0.0.1";
  r.method = "GET";
  r.path = std::move(path);
  r.route = "free";
  r.status = 200;
  return r;
}

}  // namespace

TEST(AccessLog, LinesWaitForTheBatchToBeFlushed) {
  std::FILE* f = std::tmpfile();
  {
    metrics::AccessLog log(f);
    EXPECT_TRUE(log.write(record("/a"))) << "the first line of a batch asks for a flush";
    EXPECT_FALSE(log.write(record("/b"))) << "a flush is already due";
    EXPECT_EQ(contents(f), "");
    log.flush_thread();
    const std::string text = contents(f);
    ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
    EXPECT_EQ(nlohmann::json::parse(text.substr(0, text.find('\n')))["path"], "/a");
    EXPECT_TRUE(log.write(record("/c"))) << "a new batch after the flush";
  }
  EXPECT_NE(contents(f).find("\"/c\""), std::string::npos) << "the destructor writes this thread's batch";
  std::fclose(f);
}

TEST(AccessLog, AFullBatchIsWrittenWithoutWaiting) {
  std::FILE* f = std::tmpfile();
  metrics::AccessLog log(f);
  size_t lines = 0;
  while (contents(f).empty()) {
    log.write(record("/" + std::string(100, 'x')));
    ++lines;
    ASSERT_LT(lines * 100, 2 * metrics::AccessLog::kBatchBytes);
  }
  const std::string text = contents(f);
  EXPECT_EQ(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')), lines) << "whole lines only";
  std::fclose(f);
}

TEST(AccessLog, EachThreadHasItsOwnBatch) {
  std::FILE* f = std::tmpfile();
  metrics::AccessLog log(f);
  log.write(record("/main"));
  std::thread other([&] {
    EXPECT_TRUE(log.write(record("/other"))) << "another thread starts its own batch";
    log.flush_thread();
  });
  other.join();
  const std::string text = contents(f);
  EXPECT_NE(text.find("/other"), std::string::npos);
  EXPECT_EQ(text.find("/main"), std::string::npos) << "not written by the other thread";
  log.flush_thread();
  EXPECT_NE(contents(f).find("/main"), std::string::npos);
  std::fclose(f);
}

TEST(AccessLog, OffWritesNothing) {
  metrics::AccessLog log(nullptr);
  EXPECT_FALSE(log.write(record("/a")));
  log.flush_thread();
}
