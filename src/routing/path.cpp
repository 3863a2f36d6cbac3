#include "routing/path.hpp"

#include <cctype>
#include <optional>
#include <vector>

#include "core/strings.hpp"
#include "routing/host.hpp"
#include "routing/unicode.hpp"

namespace x402gw::routing {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// RFC 3986 pchar without '%': unreserved, sub-delims, ':' and '@' travel as they are.
bool is_plain_pchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';': case '=':
    case ':': case '@':
      return true;
    default:
      return false;
  }
}

void append_encoded(std::string& out, std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : segment) {
    if (is_plain_pchar(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (core::ascii_lower(s[i]) != prefix[i]) return false;
  return true;
}

std::string_view strip_params(std::string_view segment) { return segment.substr(0, segment.find(';')); }

std::variant<std::string, TargetError> decode_segment(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '%') {
      if (i + 2 >= raw.size()) return TargetError::bad_percent_encoding;
      int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return TargetError::bad_percent_encoding;
      c = static_cast<unsigned char>(hi * 16 + lo);
      i += 2;
      if (c == '/' || c == '\\') return TargetError::encoded_separator;
      if (c == '?' || c == '#') return TargetError::encoded_delimiter;
    } else if (c == ' ') {
      return TargetError::control_character;
    }
    if (is_control(c)) return TargetError::control_character;
    out += static_cast<char>(c);
  }
  return out;
}

// True when `s`, which starts with a decoded '%', still holds an escape ("%41", or IIS's "%u0041"):
// a server that decodes twice would read a character the gateway never saw.
bool starts_with_escape(std::string_view s) {
  auto hex_run = [&](size_t from, size_t n) {
    if (s.size() < from + n) return false;
    for (size_t i = from; i < from + n; ++i)
      if (hex_value(s[i]) < 0) return false;
    return true;
  };
  return hex_run(1, 2) || (s.size() > 1 && (s[1] == 'u' || s[1] == 'U') && hex_run(2, 4));
}

// The characters of a decoded segment: UTF-8 only (a lenient decoder reads the overlong C0 AF as
// '/'), no C1 controls (NEL ends a line to some), no escape left for a second decoding.
std::optional<TargetError> check_characters(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    const size_t start = pos;
    auto c = next_code_point(s, pos);
    if (!c) return TargetError::invalid_utf8;
    if (*c >= 0x80 && *c <= 0x9f) return TargetError::control_character;
    if (*c == '%' && starts_with_escape(s.substr(start))) return TargetError::double_encoding;
  }
  return std::nullopt;
}

// First and last code points of valid, non-empty UTF-8.
char32_t first_code_point(std::string_view s) {
  size_t pos = 0;
  return next_code_point(s, pos).value_or(0);
}
char32_t last_code_point(std::string_view s) {
  size_t pos = s.size() - 1;
  while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  return next_code_point(s, pos).value_or(0);
}

// A segment that is not "." or "..": refused when a server behind the gateway could read its
// name as another one. Frameworks that strip ";params" see the name before the ';', so both the
// segment and that name are checked.
std::optional<TargetError> check_name(std::string_view segment) {
  std::string_view bare = strip_params(segment);
  if (bare.size() != segment.size() && (bare == "." || bare == "..")) return TargetError::ambiguous_dot_segment;
  if (bare.empty()) return TargetError::parameters_only;
  for (std::string_view name : {bare, segment}) {
    // Spring's trimTokens, .NET's Trim and friends: "/priced%20" would be "/priced".
    if (is_trimmable_space(first_code_point(name)) || is_trimmable_space(last_code_point(name)))
      return TargetError::whitespace_at_edge;
    // Windows drops trailing dots from file names: "/report.pdf." opens "/report.pdf".
    if (name.back() == '.') return TargetError::trailing_dot;
  }
  for (size_t pos = 0; pos < segment.size();)
    if (is_ascii_lookalike(next_code_point(segment, pos).value_or(0))) return TargetError::lookalike_character;
  return std::nullopt;
}

}  // namespace

std::string_view error_code(TargetError e) {
  switch (e) {
    case TargetError::empty: return "empty_target";
    case TargetError::not_origin_form: return "invalid_target";
    case TargetError::bad_percent_encoding: return "bad_percent_encoding";
    case TargetError::encoded_separator: return "encoded_separator";
    case TargetError::control_character: return "control_character_in_path";
    case TargetError::escapes_root: return "path_escapes_root";
    case TargetError::ambiguous_dot_segment: return "ambiguous_dot_segment";
    case TargetError::userinfo: return "userinfo_in_target";
    case TargetError::too_long: return "target_too_long";
    case TargetError::double_encoding: return "double_encoding";
    case TargetError::invalid_utf8: return "invalid_utf8_in_path";
    case TargetError::lookalike_character: return "lookalike_character";
    case TargetError::encoded_delimiter: return "encoded_delimiter";
    case TargetError::whitespace_at_edge: return "whitespace_at_segment_edge";
    case TargetError::trailing_dot: return "dot_at_segment_end";
    case TargetError::parameters_only: return "parameters_only_segment";
    case TargetError::invalid_authority: return "invalid_authority";
  }
  return "invalid_target";
}

std::string_view describe(TargetError e) {
  switch (e) {
    case TargetError::empty: return "the request target is empty";
    case TargetError::not_origin_form: return "the request target must start with '/' or be an absolute http(s) URL";
    case TargetError::bad_percent_encoding: return "the path has a '%' that is not followed by two hex digits";
    case TargetError::encoded_separator: return "the path contains an encoded '/' or '\\' (%2F, %5C), which is refused";
    case TargetError::control_character: return "the path contains a control character or NUL";
    case TargetError::escapes_root: return "the path has more '..' segments than segments to remove";
    case TargetError::ambiguous_dot_segment: return "the path has a dot segment with parameters ('..;x'), which is refused";
    case TargetError::userinfo: return "user information in the request target is refused";
    case TargetError::too_long: return "the request target is too long";
    case TargetError::double_encoding:
      return "the path contains an escape that survives decoding ('%25' followed by two hex digits), which is refused";
    case TargetError::invalid_utf8:
      return "the decoded path is not valid UTF-8 (overlong forms such as %C0%AF included)";
    case TargetError::lookalike_character:
      return "the path contains a character that Unicode normalisation turns into ASCII (such as U+FF0F for '/'), "
             "which is refused";
    case TargetError::encoded_delimiter: return "the path contains an encoded '?' or '#' (%3F, %23), which is refused";
    case TargetError::whitespace_at_edge: return "a path segment starts or ends with whitespace, which is refused";
    case TargetError::trailing_dot: return "a path segment ends in '.', which is refused";
    case TargetError::parameters_only: return "a path segment has ';' parameters but no name, which is refused";
    case TargetError::invalid_authority: return "the host in the absolute request target is not a valid host[:port]";
  }
  return "invalid request target";
}

namespace {

// A path that canonicalisation leaves as it is: '/' then non-empty segments of letters, digits and
// "-_~." that do not end in '.' (so no "." or ".." segment, no trailing dot), no trailing '/'.
// Every such character travels unencoded, and none can hide another name.
bool canonical_already(std::string_view path) {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/') return path == "/";
  char previous = '/';
  for (size_t i = 1; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/') {
      if (previous == '/' || previous == '.') return false;
    } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 c == '~' || c == '.')) {
      return false;
    }
    previous = c;
  }
  return previous != '.';
}

}  // namespace

std::variant<Target, TargetError> normalise_target(std::string_view raw, size_t max_bytes) {
  // Most requests ask for a plain path: it is its own canonical form, and decoding it segment by
  // segment would find nothing to change.
  if (!raw.empty() && raw.size() <= max_bytes && raw.front() == '/') {
    const std::string_view before_fragment = raw.substr(0, raw.find('#'));
    const size_t q = before_fragment.find('?');
    const std::string_view path = before_fragment.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view{} : before_fragment.substr(q);
    bool plain_query = true;
    for (unsigned char c : query) plain_query = plain_query && !is_control(c) && c != ' ';
    if (plain_query && canonical_already(path)) {
      Target t;
      t.path = std::string(path);
      t.query = std::string(query);
      t.match_key.reserve(path.size());
      for (char ch : path) t.match_key += core::ascii_lower(ch);
      return t;
    }
  }
  return normalise_target_general(raw, max_bytes);
}

std::variant<Target, TargetError> normalise_target_general(std::string_view raw, size_t max_bytes) {
  if (raw.empty()) return TargetError::empty;
  if (raw.size() > max_bytes) return TargetError::too_long;

  Target t;
  if (istarts_with(raw, "http://") || istarts_with(raw, "https://")) {
    raw.remove_prefix(raw.find("//") + 2);
    size_t end = raw.find_first_of("/?#");
    std::string_view authority = raw.substr(0, end);
    if (authority.find('@') != std::string_view::npos) return TargetError::userinfo;
    if (authority.empty()) return TargetError::not_origin_form;
    if (!parse_authority(authority)) return TargetError::invalid_authority;
    t.authority = std::string(authority);
    raw = end == std::string_view::npos ? std::string_view("/") : raw.substr(end);
    if (raw.front() != '/') {
      // "http://host?x": the path is "/" and the rest is the query.
      t.query = std::string(raw.substr(0, raw.find('#')));
      if (!t.query.empty() && t.query.front() != '?') t.query.clear();
      raw = "/";
    }
  } else if (raw.front() != '/') {
    return TargetError::not_origin_form;
  }

  raw = raw.substr(0, raw.find('#'));
  if (auto q = raw.find('?'); q != std::string_view::npos) {
    t.query = std::string(raw.substr(q));
    raw = raw.substr(0, q);
  }
  for (unsigned char c : t.query)
    if (is_control(c) || c == ' ') return TargetError::control_character;

  // Split on '/' and '\' (the x402 reference seller treats '\' as '/'), then decode each segment.
  // Splitting before decoding is safe because encoded separators are refused outright.
  std::vector<std::string> segments;
  bool ends_in_directory = false;
  size_t pos = 1;
  while (true) {
    size_t next = raw.find_first_of("/\\", pos);
    std::string_view raw_segment = raw.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    auto decoded = decode_segment(raw_segment);
    if (auto* e = std::get_if<TargetError>(&decoded)) return *e;
    std::string segment = std::get<std::string>(std::move(decoded));
    if (auto e = check_characters(segment)) return *e;

    ends_in_directory = segment.empty() || segment == "." || segment == "..";
    if (segment == "..") {
      if (segments.empty()) return TargetError::escapes_root;
      segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      if (auto e = check_name(segment)) return *e;
      segments.push_back(std::move(segment));
    }
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }

  t.path = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) t.path += '/';
    append_encoded(t.path, segments[i]);
  }
  if (ends_in_directory && !segments.empty()) t.path += '/';

  // Re-encoding can lengthen the path (a raw byte becomes %XX): the limit holds for what is forwarded.
  if (t.path.size() + t.query.size() > max_bytes) return TargetError::too_long;

  t.match_key = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) t.match_key += '/';
    for (char ch : strip_params(segments[i])) t.match_key += core::ascii_lower(ch);
  }
  return t;
}

}  // namespace x402gw::routing
