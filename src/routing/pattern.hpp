#pragma once
// Route path patterns: literal text, '*' (any run of characters, '/' included) and ':name' or
// '[name]' (exactly one non-empty segment). Matching is anchored and case-insensitive; it runs on
// Target::match_key, which is already lower case.
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
  bool is_literal() const { return tokens_.size() == 1 && tokens_.front().kind == Kind::literal; }
  const std::string& text() const { return text_; }

 private:
  enum class Kind { literal, star, segment };
  struct Token {
    Kind kind;
    std::string literal;
  };
  bool match_from(size_t token, std::string_view rest) const;

  std::string text_;
  std::string prefix_;
  std::vector<Token> tokens_;
};

}  // namespace x402gw::routing
