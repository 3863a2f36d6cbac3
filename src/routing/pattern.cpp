#include "routing/pattern.hpp"

#include <cctype>

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

  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) p.tokens_.push_back({Kind::literal, std::move(literal)});
    literal.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool segment_start = i > 0 && text[i - 1] == '/';
    if (c == '*') {
      flush();
      if (p.tokens_.empty() || p.tokens_.back().kind != Kind::star) p.tokens_.push_back({Kind::star, {}});
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
      flush();
      p.tokens_.push_back({Kind::segment, {}});
      i = after - 1;
    } else {
      literal += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  flush();
  if (!p.tokens_.empty() && p.tokens_.front().kind == Kind::literal) p.prefix_ = p.tokens_.front().literal;
  return p;
}

bool PathPattern::matches(std::string_view key) const { return match_from(0, key); }

bool PathPattern::match_from(size_t index, std::string_view rest) const {
  for (; index < tokens_.size(); ++index) {
    const Token& t = tokens_[index];
    switch (t.kind) {
      case Kind::literal:
        if (rest.substr(0, t.literal.size()) != t.literal) return false;
        rest.remove_prefix(t.literal.size());
        break;
      case Kind::segment: {
        size_t len = rest.find('/');
        if (len == std::string_view::npos) len = rest.size();
        if (len == 0) return false;
        rest.remove_prefix(len);
        break;
      }
      case Kind::star:
        if (index + 1 == tokens_.size()) return true;
        for (size_t skip = 0; skip <= rest.size(); ++skip)
          if (match_from(index + 1, rest.substr(skip))) return true;
        return false;
    }
  }
  return rest.empty();
}

}  // namespace x402gw::routing
