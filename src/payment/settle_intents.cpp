#include "payment/settle_intents.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <unordered_set>

#include "core/log.hpp"

namespace x402gw::payment {
namespace {

namespace fs = std::filesystem;

std::atomic<uint64_t> next_serial{1};

// Writes all of `data` to `fd`; false on an error. One write() unless the kernel took less.
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

// Appends `s` as a JSON string, byte for byte as nlohmann's dump(-1, ' ', false, replace) writes
// it. False at the first byte >= 0x80: such a string is left to nlohmann, which checks its UTF-8.
bool append_ascii_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue;
    if (c >= 0x80) return false;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += "\\u00", out += kHex[c >> 4], out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
  return true;
}

void append_integer(std::string& out, int64_t n) {
  char buffer[24];
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, n);
  out.append(buffer, r.ptr);
}

// The done mark: a journal "resolved" line, so a segment reads like a journal (parse_journal).
std::string done_line(const std::string& identity) {
  std::string out = "{\"how\":\"answered\",\"id\":";
  if (append_ascii_string(out, identity)) return out + ",\"type\":\"resolved\"}\n";
  return nlohmann::json{{"type", "resolved"}, {"id", identity}, {"how", "answered"}}.dump(
             -1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

// A segment's name, w<worker>-<seq>.jsonl, as numbers to sort by; others sort last, by name.
std::tuple<uint64_t, uint64_t, std::string> segment_order(const fs::path& p) {
  const std::string name = p.filename().string();
  uint64_t worker = UINT64_MAX, seq = UINT64_MAX;
  const size_t dash = name.find('-');
  if (name.size() > 7 && name[0] == 'w' && dash != std::string::npos && name.ends_with(".jsonl")) {
    const char* end = name.data() + name.size() - 6;
    uint64_t w = 0, s = 0;
    auto a = std::from_chars(name.data() + 1, name.data() + dash, w);
    auto b = std::from_chars(name.data() + dash + 1, end, s);
    if (a.ec == std::errc() && a.ptr == name.data() + dash && b.ec == std::errc() && b.ptr == end) worker = w, seq = s;
  }
  return {worker, seq, name};
}

}  // namespace

std::string intents_dir(const std::string& state_dir) { return (fs::path(state_dir) / "intents").string(); }

// unknown_line(u), byte for byte (nlohmann sorts the keys), written without building a JSON value:
// on the paid path the /settle body's escaping is most of the cost (see bench/micro).
std::string intent_line(const UnknownSettlement& u) {
  std::string out;
  out.reserve(u.body.size() + u.identity.size() + u.facilitator.size() + u.route.size() + u.network.size() +
              u.payload_digest.size() + 256);
  out += "{\"body\":";
  bool ascii = append_ascii_string(out, u.body);
  out += ",\"expires_at\":";
  append_integer(out, u.expires_at);
  out += ",\"facilitator\":";
  ascii = ascii && append_ascii_string(out, u.facilitator);
  out += ",\"id\":";
  ascii = ascii && append_ascii_string(out, u.identity);
  out += ",\"network\":";
  ascii = ascii && append_ascii_string(out, u.network);
  out += ",\"payload_digest\":";
  ascii = ascii && append_ascii_string(out, u.payload_digest);
  out += ",\"recorded_at\":";
  append_integer(out, u.recorded_at);
  out += ",\"route\":";
  ascii = ascii && append_ascii_string(out, u.route);
  out += ",\"type\":\"unknown\"}\n";
  return ascii ? out : unknown_line(u);
}

struct SettleIntents::Writer {
  struct Segment {
    uint64_t seq = 0;
    int fd = -1;
    uint64_t bytes = 0;
    uint64_t open = 0;   // intents recorded here and not done
    bool torn = false;   // a write failed and may have left a partial line
    std::string path;
  };
  size_t index = 0;
  std::thread::id owner;
  uint64_t next_seq = 0;
  bool has_current = false;        // segments.back() is the one being appended to
  bool failing = false;            // the last record() failed (logged once per streak)
  std::vector<Segment> segments;   // the current one last; the others are closed, with open intents

  Segment* find(uint64_t seq) {
    for (auto it = segments.rbegin(); it != segments.rend(); ++it)
      if (it->seq == seq) return &*it;
    return nullptr;
  }
};

namespace {

// Which writer this thread last used, of which SettleIntents: the hot path's only lookup.
struct ThreadSlot {
  uint64_t serial = 0;
  void* writer = nullptr;
};
thread_local ThreadSlot thread_slot;

using Segment = SettleIntents::Writer::Segment;

// A partial line left by a failed write is ended first (empty lines are skipped when read), so it
// cannot swallow the next one.
bool append(Segment& s, std::string_view line) {
  if (s.torn) {
    if (!write_all(s.fd, "\n")) return false;
    s.torn = false;
  }
  if (!write_all(s.fd, line)) {
    s.torn = true;
    return false;
  }
  s.bytes += line.size();
  return true;
}

void drop(Segment& s) {
  if (s.fd >= 0) ::close(s.fd);
  s.fd = -1;
  if (::unlink(s.path.c_str()) != 0 && errno != ENOENT)
    core::log_event("warn", "settle intents: cannot remove a finished segment", {{"path", s.path}, {"error", std::strerror(errno)}});
}

}  // namespace

SettleIntents::SettleIntents(const std::string& state_dir, uint64_t segment_bytes)
    : dir_(intents_dir(state_dir)), segment_bytes_(std::max<uint64_t>(segment_bytes, 1)), serial_(next_serial.fetch_add(1)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw std::runtime_error("cannot create the settle intents directory '" + dir_ + "': " + ec.message());
}

SettleIntents::~SettleIntents() {
  for (auto& w : writers_)
    for (auto& s : w->segments) {
      if (s.open == 0) drop(s);  // a clean stop leaves no file behind
      else if (s.fd >= 0) ::close(s.fd);
    }
}

SettleIntents::Writer& SettleIntents::writer() {
  if (thread_slot.serial == serial_) return *static_cast<Writer*>(thread_slot.writer);
  std::lock_guard lock(mutex_);
  const std::thread::id me = std::this_thread::get_id();
  Writer* found = nullptr;
  for (auto& w : writers_)
    if (w->owner == me) found = w.get();
  if (!found) {
    writers_.push_back(std::make_unique<Writer>());
    found = writers_.back().get();
    found->index = writers_.size() - 1;
    found->owner = me;
  }
  thread_slot = ThreadSlot{serial_, found};
  return *found;
}

SettleIntent SettleIntents::record(const UnknownSettlement& u) {
  Writer& w = writer();
  const std::string line = intent_line(u);
  auto fail = [&](const char* what, const std::string& path) {
    if (!w.failing)
      core::log_event("error", "settle intents: cannot record a /settle before sending it (it goes out unrecorded)",
                      {{"what", what}, {"path", path}, {"error", std::strerror(errno)}});
    w.failing = true;
    return SettleIntent{};
  };
  // Rotation by size: the full segment is closed, and unlinked now if nothing in it is open.
  if (w.has_current && w.segments.back().bytes > 0 && w.segments.back().bytes + line.size() > segment_bytes_) {
    w.has_current = false;
    if (w.segments.back().open == 0) {
      drop(w.segments.back());
      w.segments.pop_back();
    }
  }
  if (!w.has_current) {
    Segment s;
    for (int tries = 0; tries < 1000 && s.fd < 0; ++tries) {
      s.seq = w.next_seq++;
      s.path = (fs::path(dir_) / ("w" + std::to_string(w.index) + "-" + std::to_string(s.seq) + ".jsonl")).string();
      // O_EXCL: never append to a segment some earlier process left (recovery owns those).
      s.fd = ::open(s.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
      if (s.fd < 0 && errno != EEXIST) break;
    }
    if (s.fd < 0) return fail("create", s.path);
    w.segments.push_back(std::move(s));
    w.has_current = true;
  }
  Segment& current = w.segments.back();
  if (!append(current, line)) return fail("write", current.path);
  ++current.open;
  if (w.failing) core::log_event("info", "settle intents: recording again", {{"path", current.path}});
  w.failing = false;
  return SettleIntent{&w, current.seq, u.identity};
}

void SettleIntents::done(const SettleIntent& intent) {
  if (!intent) return;
  auto& w = *static_cast<Writer*>(intent.writer);
  if (w.owner != std::this_thread::get_id()) {
    core::log_event("error", "settle intents: done() on another thread than record(); left to recovery", {{"identity", intent.identity}});
    return;
  }
  Segment* s = w.find(intent.segment);
  if (!s || s->open == 0) return;
  // A failed done mark only leaves the intent to be asked about again after a crash: the safe side.
  if (!append(*s, done_line(intent.identity)))
    core::log_event("warn", "settle intents: cannot mark an intent done", {{"path", s->path}, {"error", std::strerror(errno)}});
  --s->open;
  const bool current = w.has_current && s == &w.segments.back();
  if (s->open == 0 && !current) {
    drop(*s);
    w.segments.erase(w.segments.begin() + (s - w.segments.data()));
  }
}

size_t SettleIntents::segments() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& w : writers_) n += w->segments.size();
  return n;
}

size_t SettleIntents::open_intents() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& w : writers_)
    for (const auto& s : w->segments) n += s.open;
  return n;
}

RecoveredIntents read_settle_intents(const std::string& state_dir) {
  RecoveredIntents out;
  const fs::path dir = intents_dir(state_dir);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (p.extension() != ".jsonl") continue;  // e.g. an editor's backup: not ours to read or remove
    if (!it->is_regular_file(ec)) {
      core::log_event("warn", "settle intents: not a regular file, left in place", {{"path", p.string()}});
      ++out.bad_files;
      continue;
    }
    files.push_back(p);
  }
  if (ec) {
    core::log_event("error", "settle intents: cannot list the segments", {{"path", dir.string()}, {"error", ec.message()}});
    ++out.bad_files;
  }
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return segment_order(a) < segment_order(b); });
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream buffer;
    if (in) buffer << in.rdbuf();
    if (!in || in.bad()) {
      core::log_event("error", "settle intents: cannot read a segment, left in place", {{"path", p.string()}, {"error", std::strerror(errno)}});
      ++out.bad_files;
      continue;
    }
    // Every segment is whole on its own: an intent's done mark is in its segment.
    JournalContents c = parse_journal(buffer.str());
    if (c.bad_lines)
      core::log_event("warn", "settle intents: unreadable lines skipped (a torn last line is a crash mid-write)",
                      {{"path", p.string()}, {"lines", c.bad_lines}});
    out.bad_lines += c.bad_lines;
    for (auto& u : c.open) out.open.push_back(std::move(u));
    out.files.push_back(p.string());
  }
  return out;
}

size_t recover_settle_intents(const std::string& state_dir, SettlementJournal& journal, JournalContents& loaded) {
  RecoveredIntents found = read_settle_intents(state_dir);
  std::unordered_set<std::string> known;
  for (const auto& u : loaded.open) known.insert(u.identity);
  std::string lines;
  size_t added = 0;
  for (auto& u : found.open) {
    if (!known.insert(u.identity).second) continue;  // journaled already (a crash before its done mark)
    lines += unknown_line(u);
    loaded.open.push_back(std::move(u));
    ++added;
  }
  // Durable in the journal before the segments go: a crash in between only records them twice,
  // and parse_journal keeps one.
  if (!lines.empty() && !journal.append(lines))
    throw std::runtime_error("cannot journal the settle intents left by the last process in '" + journal.path() +
                             "' (they are kept in '" + intents_dir(state_dir) + "')");
  for (const auto& f : found.files) {
    std::error_code ec;
    fs::remove(f, ec);
    if (ec) core::log_event("warn", "settle intents: cannot remove a recovered segment", {{"path", f}, {"error", ec.message()}});
  }
  if (added || !found.files.empty() || found.bad_files)
    // A warning when some were open: each is a /settle that was in flight when the last process died.
    core::log_event(added ? "warn" : "info", "settle intents recovered: open ones are reconciled as unknown outcomes",
                    {{"path", intents_dir(state_dir)}, {"intents", added}, {"segments", found.files.size()},
                     {"unreadable_lines", found.bad_lines}, {"unreadable_files", found.bad_files}});
  return added;
}

}  // namespace x402gw::payment
