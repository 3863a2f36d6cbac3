#pragma once
// A client's request head parsed without a field container: the request line and each field are
// views, and the body streams through the same parser into a caller's buffer (as Beast's
// request_parser<buffer_body> does). What Beast's parser accepts or refuses, this one does too:
// both are Beast's basic_parser (tests/fuzz/fuzz_request_head.cpp reads both on the same bytes).
//
// Lifetime: parse() copies the head's bytes (the request line through the blank line) into
// storage of its own, inline for a head of up to kInlineBytes, and every view points there. The
// connection's read buffer is then free to be consumed, compacted or grown by body reads, a
// 100-continue, or the next pipelined request, as before: no view ever points into it. A
// RequestHead is not copyable or movable (its views point into itself); one per request.
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/container/small_vector.hpp>
#include <algorithm>
#include <array>
#include <cstdint>
#include <forward_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace x402gw::net {

/// One client's request: its head read in place, its body streamed through `body()`.
class RequestHead final : public boost::beast::http::basic_parser<true> {
 public:
  using field = boost::beast::http::field;
  using verb = boost::beast::http::verb;

  /// One header field as received (Beast has already trimmed the value's outer whitespace).
  struct Field {
    field id;
    std::string_view name;
    std::string_view value;
  };

  /// Where body bytes go, as Beast's buffer_body::value_type: `data` null asks for a buffer
  /// (need_buffer); each piece advances `data` and shrinks `size`.
  struct BodyBuffer {
    void* data = nullptr;
    std::size_t size = 0;
  };

  /// A head of up to this many bytes costs no allocation; a longer one, one.
  static constexpr std::size_t kInlineBytes = 1024;
  /// Fields held without an allocation; more take one.
  static constexpr std::size_t kInlineFields = 24;

  RequestHead();
  RequestHead(const RequestHead&) = delete;
  RequestHead& operator=(const RequestHead&) = delete;

  /// Parses a whole head (request line through the blank line, nothing after it): its bytes are
  /// copied first, and the views point into the copy. Returns the bytes taken (all of them once
  /// is_header_done()). Bytes given to put() directly (a head read piecewise) are copied field by
  /// field instead: the views never point into the caller's buffer.
  std::size_t parse(std::string_view head, boost::system::error_code& ec);

  verb method() const { return method_; }
  std::string_view method_string() const { return method_string_; }
  std::string_view target() const { return target_; }
  /// 10 or 11.
  unsigned version() const { return version_; }

  /// The header fields in the order received (never a chunked body's trailers).
  std::span<const Field> fields() const { return {fields_.data(), fields_.size()}; }
  std::size_t field_count() const { return fields_.size(); }
  /// How many fields have this name (case-insensitive; '-' and '_' are different letters).
  std::size_t count(field id) const;
  std::size_t count(std::string_view name) const;
  /// The first value of a field, or "" when absent (as Beast's fields::operator[]).
  std::string_view value(field id) const;
  std::string_view value(std::string_view name) const;
  /// The first field with this name, or null.
  const Field* find(field id) const;
  const Field* find(std::string_view name) const;
  /// Calls f(value) for every field of this name, in order.
  template <class F>
  void for_each(std::string_view name, F&& f) const {
    const field id = boost::beast::http::string_to_field(name);
    for (const Field& x : fields_)
      if (matches(x, id, name)) f(x.value);
  }

  /// Whether the field matches a name whose known id (or field::unknown) is `id`.
  static bool matches(const Field& f, field id, std::string_view name);

  /// Forgets the fields `drop(field)` is true for (the bytes stay; later reads no longer see them).
  template <class Pred>
  void erase_if(Pred&& drop) {
    fields_.erase(std::remove_if(fields_.begin(), fields_.end(), drop), fields_.end());
  }

  /// Whether the client asked to keep the connection, as Beast's message reads it (what the
  /// gateway always used): the first Connection field only, "close" on HTTP/1.1, "keep-alive" on
  /// HTTP/1.0. (basic_parser::keep_alive(), which this hides, reads every Connection field.)
  bool keep_alive() const;

  BodyBuffer& body() { return body_; }

 private:
  void on_request_impl(verb method, boost::beast::string_view method_str, boost::beast::string_view target, int version,
                       boost::system::error_code& ec) override;
  void on_response_impl(int, boost::beast::string_view, int, boost::system::error_code&) override {}
  void on_field_impl(field id, boost::beast::string_view name, boost::beast::string_view value,
                     boost::system::error_code&) override;
  void on_header_impl(boost::system::error_code& ec) override { ec = {}; }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::system::error_code& ec) override { ec = {}; }
  std::size_t on_body_impl(boost::beast::string_view body, boost::system::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::system::error_code& ec) override { ec = {}; }
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, boost::system::error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(boost::system::error_code& ec) override { ec = {}; }

  // A view into the head's copy, or a copy of its own when Beast handed a view elsewhere.
  std::string_view keep(boost::beast::string_view view);

  std::string_view input_;
  verb method_ = verb::unknown;
  std::string_view method_string_;
  std::string_view target_;
  unsigned version_ = 0;
  bool used_ = false;
  boost::container::small_vector<Field, kInlineFields> fields_;
  BodyBuffer body_;
  std::unique_ptr<char[]> large_;          // a head longer than kInlineBytes
  std::forward_list<std::string> copies_;  // views Beast did not take from the input (rare)
  std::array<char, kInlineBytes> inline_;
};

/// A head's fields (the pure checks read these, not the parser).
using HeadFields = std::span<const RequestHead::Field>;

}  // namespace x402gw::net
