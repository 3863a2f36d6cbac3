#pragma once
// Route path patterns: literal text, '*' (any run of characters, '/' included) and ':name' or
// '[name]' (exactly one non-empty segment). Matching is anchored and case-insensitive; it runs on
// Target::match_key, which is already lower case. Matching costs O(key length × pattern length)
// at worst, whatever the key: the key is chosen by the client.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::routing {

/// A compiled path pattern.
class PathPattern {
 public:
  /// Compiles a pattern such as "/api/*" or "/users/:id/posts"; nullopt with `error` set when the
  /// pattern is not usable (does not start with '/', empty parameter name, ...).
  static std::optional<PathPattern> compile(std::string_view text, std::string* error);

  /// True when the whole match key fits the pattern.
  bool matches(std::string_view key) const;

  /// Literal characters before the first wildcard, for indexing (lower case).
  const std::string& literal_prefix() const { return prefix_; }
  /// True when the pattern has no wildcard at all (it matches exactly one key).
  bool is_literal() const { return steps_.size() == prefix_.size(); }
  /// The pattern as configured.
  const std::string& text() const { return text_; }

  /// Where path parameter `name` (':name' or '[name]') sits: the index of its segment in every
  /// key the pattern matches (0: the first after the leading '/'). nullopt when the pattern has no
  /// such parameter, or when a '*' before it lets its segment move (price rules read it there).
  std::optional<size_t> parameter_segment(std::string_view name) const;
  /// Whether the pattern has path parameter `name`, wherever it sits.
  bool has_parameter(std::string_view name) const;

 private:
  // The pattern as steps of a matcher: one character, or a run. '*' is one `any_run`; ':id' is
  // `segment_char` then `segment_run` (one character other than '/', then any more of them).
  enum class Op : uint8_t { ch, any_run, segment_char, segment_run };
  struct Step {
    Op op;
    char c;  // for Op::ch
  };
  bool run_steps(std::string_view key) const;

  struct Param {
    std::string name;
    size_t segment;
    bool fixed;  // no '*' before it: always that segment
  };

  std::string text_;
  std::string prefix_;
  std::vector<Param> params_;
  std::vector<Step> steps_;
};

}  // namespace x402gw::routing
