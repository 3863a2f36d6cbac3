#include "payment/settlement_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "core/log.hpp"

namespace x402gw::payment {
namespace {

using nlohmann::json;

std::string line_of(const json& j) {
  // Replacement of invalid UTF-8 keeps a line writable whatever a facilitator name holds.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::runtime_error failure(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

// Writes all of `data` to `fd`; false on an error.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string_view to_string(Resolution r) {
  switch (r) {
    case Resolution::settled: return "settled";
    case Resolution::released: return "released";
    case Resolution::abandoned: return "abandoned";
  }
  return "?";
}

std::string unknown_line(const UnknownSettlement& u) {
  return line_of(json{{"type", "unknown"},
                      {"id", u.identity},
                      {"facilitator", u.facilitator},
                      {"route", u.route},
                      {"network", u.network},
                      {"body", u.body},
                      {"payload_digest", u.payload_digest},
                      {"expires_at", u.expires_at},
                      {"recorded_at", u.recorded_at}});
}

std::string resolved_line(std::string_view identity, Resolution how, std::string_view receipt) {
  return line_of(json{{"type", "resolved"}, {"id", identity}, {"how", to_string(how)}, {"receipt", receipt}});
}

JournalContents parse_journal(std::string_view text) {
  JournalContents out;
  std::unordered_map<std::string, size_t> index;  // identity -> position in out.open
  std::vector<bool> resolved;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    // A last line without its newline was torn by a crash: its write never completed.
    if (end == std::string_view::npos) {
      ++out.bad_lines;
      break;
    }
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (line.empty()) continue;
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("id") || !j["id"].is_string()) {
      ++out.bad_lines;
      continue;
    }
    const std::string type = j["type"].get<std::string>();
    const std::string id = j["id"].get<std::string>();
    if (type == "resolved") {
      if (auto it = index.find(id); it != index.end()) resolved[it->second] = true, index.erase(it);
      continue;
    }
    if (type != "unknown") {
      ++out.bad_lines;
      continue;
    }
    UnknownSettlement u;
    u.identity = id;
    u.facilitator = j.value("facilitator", "");
    u.route = j.value("route", "");
    u.network = j.value("network", "");
    u.body = j.value("body", "");
    u.payload_digest = j.value("payload_digest", "");
    u.expires_at = j.value("expires_at", int64_t{0});
    u.recorded_at = j.value("recorded_at", int64_t{0});
    if (u.facilitator.empty() || u.body.empty()) {
      ++out.bad_lines;
      continue;
    }
    if (index.count(id)) continue;  // recorded twice (a restart re-recorded it): one entry
    index.emplace(id, out.open.size());
    out.open.push_back(std::move(u));
    resolved.push_back(false);
  }
  std::vector<UnknownSettlement> open;
  for (size_t i = 0; i < out.open.size(); ++i)
    if (!resolved[i]) open.push_back(std::move(out.open[i]));
  out.open = std::move(open);
  return out;
}

SettlementJournal::SettlementJournal(const std::string& dir, JournalContents& loaded) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create the state directory '" + dir + "': " + ec.message());
  path_ = (std::filesystem::path(dir) / "unknown-settlements.jsonl").string();

  std::string text;
  {
    std::ifstream in(path_, std::ios::binary);
    if (in) {
      std::ostringstream buffer;
      buffer << in.rdbuf();
      text = buffer.str();
    }
  }
  loaded = parse_journal(text);
  if (loaded.bad_lines)
    core::log_event("warn", "settlement journal: unreadable lines skipped (a torn last line is a crash mid-write)",
                    {{"path", path_}, {"lines", loaded.bad_lines}});

  // Compaction: the open entries only, written aside and renamed over, so a crash leaves one
  // whole file or the other.
  const std::string aside = path_ + ".compact";
  const int out = ::open(aside.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) throw failure("cannot write the settlement journal", aside);
  std::string compacted;
  for (const auto& u : loaded.open) compacted += unknown_line(u);
  const bool written = write_all(out, compacted) && ::fsync(out) == 0;
  ::close(out);
  if (!written) throw failure("cannot write the settlement journal", aside);
  if (::rename(aside.c_str(), path_.c_str()) != 0) throw failure("cannot replace the settlement journal", path_);
  fsync_dir(dir);

  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw failure("cannot open the settlement journal", path_);
}

SettlementJournal::~SettlementJournal() {
  if (fd_ >= 0) ::close(fd_);
}

bool SettlementJournal::append(std::string_view line) {
  std::lock_guard lock(mutex_);
  // After a failed write a partial line may be on disk: a newline first ends it (empty lines are
  // skipped when read), so it cannot swallow this one.
  if (torn_ && write_all(fd_, "\n")) torn_ = false;
  if (!torn_ && write_all(fd_, line) && ::fdatasync(fd_) == 0) return true;
  torn_ = true;
  core::log_event("error", "settlement journal: cannot append", {{"path", path_}, {"error", std::strerror(errno)}});
  return false;
}

}  // namespace x402gw::payment
