#include "routing/pattern.hpp"

#include <cctype>
#include <limits>

#include "core/strings.hpp"

namespace x402gw::routing {

std::optional<PathPattern> PathPattern::compile(std::string_view text, std::string* error) {
  if (text.empty() || text.front() != '/') {
    if (error) *error = "a path pattern must start with '/'";
    return std::nullopt;
  }
  PathPattern p;
  p.text_ = std::string(text);
  // The trailing '/' is trimmed from match keys, so it is trimmed from patterns too.
  if (text.size() > 1 && text.back() == '/') text.remove_suffix(1);

  size_t segment = 0;
  bool star_seen = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '/' && i > 0) ++segment;
    bool segment_start = i > 0 && text[i - 1] == '/';
    if (c == '*') {
      star_seen = true;
      // "**" means what "*" means; one run step keeps the matcher's state set small.
      if (p.steps_.empty() || p.steps_.back().op != Op::any_run) p.steps_.push_back({Op::any_run, 0});
    } else if (segment_start && (c == ':' || c == '[')) {
      size_t end = c == ':' ? text.find('/', i) : text.find(']', i);
      if (end == std::string_view::npos) end = c == ':' ? text.size() : std::string_view::npos;
      if (end == std::string_view::npos) {
        if (error) *error = "'[' without a closing ']' in path pattern";
        return std::nullopt;
      }
      size_t name_len = end - i - 1;
      if (name_len == 0) {
        if (error) *error = "a path parameter needs a name (':id' or '[id]')";
        return std::nullopt;
      }
      size_t after = c == ':' ? end : end + 1;
      if (after < text.size() && text[after] != '/') {
        if (error) *error = "a path parameter must be a whole segment";
        return std::nullopt;
      }
      p.params_.push_back({std::string(text.substr(i + 1, name_len)), segment, !star_seen});
      p.steps_.push_back({Op::segment_char, 0});
      p.steps_.push_back({Op::segment_run, 0});
      i = after - 1;
    } else {
      p.steps_.push_back({Op::ch, core::ascii_lower(c)});
    }
  }
  for (const Step& s : p.steps_) {
    if (s.op != Op::ch) break;
    p.prefix_ += s.c;
  }
  return p;
}

std::optional<size_t> PathPattern::parameter_segment(std::string_view name) const {
  for (const Param& param : params_)
    if (param.name == name) return param.fixed ? std::optional<size_t>(param.segment) : std::nullopt;
  return std::nullopt;
}

bool PathPattern::has_parameter(std::string_view name) const {
  for (const Param& param : params_)
    if (param.name == name) return true;
  return false;
}

bool PathPattern::matches(std::string_view key) const {
  if (key.substr(0, prefix_.size()) != prefix_) return false;
  if (is_literal()) return key.size() == prefix_.size();
  // "/api/*", the usual shape, needs no more than its prefix.
  if (steps_.size() == prefix_.size() + 1 && steps_.back().op == Op::any_run) return true;
  return run_steps(key);
}

// Runs the steps as a nondeterministic automaton over the key: after each character, the set of
// steps the key so far can have reached. Each step is in the set at most once, so a character
// costs at most one visit per step, never a backtrack. (Recursive backtracking took O(n^k) on a
// pattern with k stars.)
bool PathPattern::run_steps(std::string_view key) const {
  const uint32_t done = static_cast<uint32_t>(steps_.size());
  std::vector<uint32_t> current, next;
  std::vector<size_t> added_at(steps_.size() + 1, std::numeric_limits<size_t>::max());
  auto add = [&](std::vector<uint32_t>& set, uint32_t step, size_t pos) {
    // A run may match nothing: reaching it reaches the step after it too.
    for (;;) {
      if (added_at[step] == pos) return;
      added_at[step] = pos;
      set.push_back(step);
      if (step == done || (steps_[step].op != Op::any_run && steps_[step].op != Op::segment_run)) return;
      ++step;
    }
  };
  add(current, static_cast<uint32_t>(prefix_.size()), prefix_.size());
  for (size_t pos = prefix_.size(); pos < key.size(); ++pos) {
    const char c = key[pos];
    next.clear();
    for (uint32_t step : current) {
      if (step == done) continue;
      const Step& s = steps_[step];
      switch (s.op) {
        case Op::ch:
          if (c == s.c) add(next, step + 1, pos + 1);
          break;
        case Op::any_run:
          if (step + 1 == done) return true;  // a final '*' takes the rest of the key, whatever it is
          add(next, step, pos + 1);
          break;
        case Op::segment_char:
          if (c != '/') add(next, step + 1, pos + 1);
          break;
        case Op::segment_run:
          if (c != '/') add(next, step, pos + 1);
          break;
      }
    }
    if (next.empty()) return false;
    std::swap(current, next);
  }
  return added_at[done] == key.size();
}

}  // namespace x402gw::routing
