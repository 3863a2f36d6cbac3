#include "core/json_text.hpp"

#include <array>
#include <charconv>

namespace x402gw::core {
namespace {

// What nlohmann's dump would write, by nlohmann itself: the reference for everything not plain.
void append_by_nlohmann(std::string& out, const nlohmann::json& value) {
  out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A string nlohmann writes as it is between quotes: printable ASCII with no quote or backslash
// (anything else is escaped, or checked as UTF-8, by nlohmann).
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7F; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

bool plain(const std::string& s) {
  bool all = true;
  for (unsigned char c : s) all &= kPlain[c];  // no early exit: a branch-free loop over short strings
  return all;
}

void append_string(std::string& out, const std::string& s) {
  if (!plain(s)) return append_by_nlohmann(out, nlohmann::json(s));
  out += '"';
  out += s;
  out += '"';
}

template <class Int>
void append_integer(std::string& out, Int n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

}  // namespace

void append_json_text(std::string& out, const nlohmann::json& value) {
  using T = nlohmann::json::value_t;
  switch (value.type()) {
    case T::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_string(out, key);
        out += ':';
        append_json_text(out, member);
      }
      out += '}';
      return;
    }
    case T::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json_text(out, element);
      }
      out += ']';
      return;
    }
    case T::string: return append_string(out, value.get_ref<const std::string&>());
    case T::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case T::null: out += "null"; return;
    case T::number_integer: return append_integer(out, value.get<int64_t>());
    case T::number_unsigned: return append_integer(out, value.get<uint64_t>());
    default: return append_by_nlohmann(out, value);  // floats, binary, discarded
  }
}

std::string json_text(const nlohmann::json& value) {
  std::string out;
  out.reserve(256);
  append_json_text(out, value);
  return out;
}

}  // namespace x402gw::core
