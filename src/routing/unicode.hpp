#pragma once
// The Unicode facts path canonicalisation needs. Routes match on ASCII; an upstream may decode
// UTF-8 leniently, normalise (NFKC), fold case or convert to a Windows code page ("best fit"),
// and each can turn a non-ASCII character into ASCII. Those characters are refused, not mapped:
// mapping them would forward a path the upstream reads differently from the one priced.
#include <optional>
#include <string_view>

namespace x402gw::routing {

/// Decodes the strict UTF-8 code point at `pos` (< text.size()) and moves `pos` past it; nullopt
/// for anything else: overlong forms (C0 AF for '/'), surrogates, values past U+10FFFF, stray bytes.
std::optional<char32_t> next_code_point(std::string_view text, size_t& pos);

/// True for a non-ASCII character that NFKC, simple case mapping or Windows "best fit" conversion
/// turns into ASCII: U+FF0F and U+2215 ('/'), U+FF0E and U+2024 ('.'), U+212A ('K'), U+0131 ('I').
bool is_ascii_lookalike(char32_t c);

/// True for whitespace that the trim functions of common frameworks remove (Java's strip, .NET's
/// Trim, Python's strip, JavaScript's trim): ASCII space and controls, U+00A0, U+3000, U+FEFF, ...
bool is_trimmable_space(char32_t c);

}  // namespace x402gw::routing
