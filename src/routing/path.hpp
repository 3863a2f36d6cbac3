#pragma once
// Request-target normalisation. The gateway prices and forwards the same canonical path, so no
// spelling of a priced path (encodings, dot segments, doubled slashes, case, ;params) can reach the
// upstream for free: a target is either made canonical or refused. A spelling is refused when a
// server behind the gateway could still read it as another path than the one priced: by decoding
// it again, decoding UTF-8 leniently, normalising Unicode (NFKC, case, "best fit"), trimming
// whitespace or dots from a name, stripping ";params", or ending the path at a decoded '?' or '#'.
#include <string>
#include <string_view>
#include <variant>

namespace x402gw::routing {

/// A request target made canonical.
struct Target {
  std::string path;       // canonical, percent-encoded where needed: what the upstream receives
  std::string query;      // raw query including the leading '?', or empty
  std::string match_key;  // lower-case path with ;params and the trailing '/' removed: what routes match
  std::string authority;  // host[:port] from an absolute-form target, else empty
};

/// Why a target was refused (each answers 400, except too_long: 414).
enum class TargetError {
  empty,
  not_origin_form,        // neither "/..." nor "http(s)://host/..."
  bad_percent_encoding,   // '%' not followed by two hex digits
  encoded_separator,      // %2F or %5C: a slash the upstream may or may not decode
  control_character,      // NUL, CR, LF, other C0 or C1 controls or DEL, raw or encoded
  escapes_root,           // more ".." segments than there are segments
  ambiguous_dot_segment,  // "..;x" or ".;x": dot segments some servers see through ;params
  userinfo,               // "http://user@host/"
  too_long,
  // Spellings that one more decoding, Unicode normalisation or trimming turns into another path:
  double_encoding,        // "%2541": an escape left after decoding, which a second decoding reads
  invalid_utf8,           // not UTF-8 once decoded: overlong '/' or '.' (%C0%AF), stray bytes, surrogates
  lookalike_character,    // a character NFKC, case mapping or "best fit" makes ASCII (U+FF0F, U+0131)
  encoded_delimiter,      // %3F or %23: a '?' or '#' in a name, where some servers end the path
  whitespace_at_edge,     // a segment, or its name before ";params", starts or ends with whitespace
  trailing_dot,           // a segment, or its name before ";params", ends in '.', which Windows drops
  parameters_only,        // a segment that is only ";params": "/;x/a" is "//a" to Tomcat
  invalid_authority,      // "http://x..y/": an absolute-form authority that is not host[:port]
};

/// A short, stable code for the error ("encoded_separator") and a sentence for people.
std::string_view error_code(TargetError e);
std::string_view describe(TargetError e);

/// Default longest target accepted.
inline constexpr size_t kMaxTargetBytes = 8192;

/// Normalises an origin-form or absolute-form request target.
std::variant<Target, TargetError> normalise_target(std::string_view target, size_t max_bytes = kMaxTargetBytes);

/// normalise_target() without its fast path for targets that are canonical already (exposed for
/// the fuzz target that checks both give the same answer).
std::variant<Target, TargetError> normalise_target_general(std::string_view target, size_t max_bytes = kMaxTargetBytes);

}  // namespace x402gw::routing
