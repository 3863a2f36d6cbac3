#include "core/json_read.hpp"

// Boost.JSON compiled into this one file (header-only mode): no shared library to ship, and no
// other file of the gateway includes it.
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/src.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace x402gw::core {
namespace {

using nlohmann::json;
using bsv = boost::json::string_view;
using boost::system::error_code;

// Builds the nlohmann value as Boost.JSON's parser reports its parts: a stack of the open
// containers, the pending key, and the text of a string or number split across buffers.
class Builder {
 public:
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  json root;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) {
    open_.push_back(place(json::array()));
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    open_.pop_back();
    return true;
  }
  bool on_object_begin(error_code&) {
    open_.push_back(place(json::object()));
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    open_.pop_back();
    return true;
  }
  bool on_string_part(bsv s, std::size_t, error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(bsv s, std::size_t, error_code&) {
    if (part_.empty()) {
      place(json(std::string(s.data(), s.size())));
    } else {
      part_.append(s.data(), s.size());
      place(json(std::move(part_)));
      part_.clear();
    }
    return true;
  }
  bool on_key_part(bsv s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(bsv s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_number_part(bsv s, error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t, bsv s, error_code& ec) { return number(s, ec); }
  bool on_uint64(uint64_t, bsv s, error_code& ec) { return number(s, ec); }
  bool on_double(double, bsv s, error_code& ec) { return number(s, ec); }
  bool on_bool(bool b, error_code&) {
    place(json(b));
    return true;
  }
  bool on_null(error_code&) {
    place(json(nullptr));
    return true;
  }
  bool on_comment_part(bsv, error_code&) { return false; }
  bool on_comment(bsv, error_code&) { return false; }

 private:
  // Puts a finished value where it belongs and returns where it now lives. A repeated key
  // overwrites, as nlohmann's own DOM builder does.
  json* place(json&& value) {
    if (open_.empty()) {
      root = std::move(value);
      return &root;
    }
    json& top = *open_.back();
    if (top.is_array()) {
      top.push_back(std::move(value));
      return &top.back();
    }
    json& slot = top[key_];
    key_.clear();
    slot = std::move(value);
    return &slot;
  }

  // The conversion nlohmann's lexer makes from a number's text (lexer::scan_number), so the value
  // and its type (unsigned, integer, float) match: an integer that does not fit is a double, and a
  // double that is not finite is an error (parser: "number overflow").
  bool number(bsv s, error_code& ec) {
    part_.append(s.data(), s.size());
    const char* text = part_.c_str();
    char* end = nullptr;
    const bool is_integer = part_.find_first_of(".eE") == std::string::npos;
    bool placed = false;
    if (is_integer && text[0] != '-') {
      errno = 0;
      const unsigned long long x = std::strtoull(text, &end, 10);
      if (errno == 0) {
        place(json(static_cast<json::number_unsigned_t>(x)));
        placed = true;
      }
    } else if (is_integer) {
      errno = 0;
      const long long x = std::strtoll(text, &end, 10);
      if (errno == 0) {
        place(json(static_cast<json::number_integer_t>(x)));
        placed = true;
      }
    }
    if (!placed) {
      const double d = std::strtod(text, &end);
      if (!std::isfinite(d)) {
        part_.clear();
        ec = boost::json::error::exponent_overflow;
        return false;
      }
      place(json(d));
    }
    part_.clear();
    return true;
  }

  std::vector<json*> open_;
  std::string key_;
  std::string part_;
};

boost::json::parse_options options() {
  boost::json::parse_options o;
  o.max_depth = kMaxJsonDepth;
  o.allow_comments = false;
  o.allow_trailing_commas = false;
  o.allow_invalid_utf8 = false;
  return o;
}

}  // namespace

std::optional<nlohmann::json> read_json(std::string_view text) {
  // nlohmann skips a byte order mark at the very start of its input.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  boost::json::basic_parser<Builder> parser(options());
  error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec == boost::json::error::extra_data || (!ec && used < text.size())) {
    // nlohmann's lexer takes a NUL byte as the end of its input: after the value and any
    // whitespace, a NUL ends the document and what follows it is ignored.
    size_t at = used;
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) ++at;
    if (at == text.size() || text[at] != '\0') return std::nullopt;
    ec = {};
  }
  if (ec == boost::json::error::too_deep) return std::nullopt;
  if (ec || !parser.done()) {
    // Refused by Boost.JSON: the verdict is nlohmann's, so that nothing nlohmann reads is refused
    // here (an exponent past Boost.JSON's range on a zero mantissa, "0e99999999999999999999", is
    // 0.0 to strtod). Only invalid input, at most 16 KiB of it, pays the second parse.
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return std::nullopt;
    return doc;
  }
  return std::move(parser.handler().root);
}

}  // namespace x402gw::core
