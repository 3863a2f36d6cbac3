#include "net/chunk_framing.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>

namespace x402gw::net {
namespace {

class Category : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "x402gw.framing"; }
  std::string message(int ev) const override {
    switch (static_cast<FramingError>(ev)) {
      case FramingError::chunk_line_too_long: return "a chunk-size line or its extensions are too long";
      case FramingError::trailers_too_large: return "the trailer section is too large";
      case FramingError::buffer_full: return "the read buffer is full";
    }
    return "framing error";
  }
};

bool hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

const boost::system::error_category& framing_category() noexcept {
  static const Category category;
  return category;
}

boost::system::error_code make_error_code(FramingError e) noexcept { return {static_cast<int>(e), framing_category()}; }

bool is_framing_error(const boost::system::error_code& ec) noexcept { return ec.category() == framing_category(); }

boost::system::error_code chunk_framing_problem(std::string_view unconsumed) noexcept {
  // Beast treats the CRLF that ends a chunk's data as the start of the next chunk-size line.
  std::string_view line = unconsumed;
  if (line.starts_with("\r\n")) line.remove_prefix(2);
  const size_t digits = std::find_if_not(line.begin(), line.end(), hex_digit) - line.begin();
  const bool last_chunk = digits > 0 && line.find_first_not_of('0') >= digits;
  if (last_chunk) {
    // The last chunk and the trailer section end together, at the blank line.
    if (unconsumed.size() > kMaxTrailerSection) return FramingError::trailers_too_large;
    return {};
  }
  if (unconsumed.size() > kMaxChunkLine) return FramingError::chunk_line_too_long;
  return {};
}

namespace {

// How many bytes of a chunked body the parser is offered at once: room for the longest chunk-size
// line, or for the longest trailer section when the bytes start with the last chunk (chunk data
// that merely looks like one only gets a larger window).
size_t framing_window(std::string_view unconsumed) noexcept {
  std::string_view line = unconsumed.substr(0, std::min<size_t>(unconsumed.size(), kMaxChunkLine + 1));
  if (line.starts_with("\r\n")) line.remove_prefix(2);
  const size_t digits = std::find_if_not(line.begin(), line.end(), hex_digit) - line.begin();
  const bool last_chunk = digits > 0 && line.find_first_not_of('0') >= digits;
  return (last_chunk ? kMaxTrailerSection : kMaxChunkLine) + 1;
}

}  // namespace

template <bool isRequest>
boost::system::error_code parse_buffered(boost::beast::flat_buffer& buffer, boost::beast::http::basic_parser<isRequest>& parser,
                                         size_t& used) {
  namespace bhttp = boost::beast::http;
  if (buffer.size() == 0) return bhttp::error::need_more;
  auto unconsumed = [&] { return std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()); };
  boost::system::error_code ec;
  if (!parser.is_header_done() || !parser.chunked()) {
    const size_t n = parser.put(buffer.data(), ec);
    buffer.consume(n);
    used += n;
  } else {
    // A chunked body is offered to the parser at most one bounded chunk-size line (or trailer
    // section) at a time: Beast parses any line that arrived whole, so without the window a line
    // over the bound that came in one read would pass while the same line trickling in is
    // refused. Chunk data is parsed on in windows until the bytes or the body buffer run out.
    bool progressed = false;
    for (;;) {
      const size_t window = std::min(buffer.size(), framing_window(unconsumed()));
      const size_t n = parser.put(boost::asio::buffer(buffer.data().data(), window), ec);
      buffer.consume(n);
      used += n;
      if (n > 0) progressed = true;
      if (ec || n == 0 || parser.is_done() || buffer.size() == 0) break;
    }
    if (ec == bhttp::error::need_more) {
      if (auto problem = chunk_framing_problem(unconsumed())) return problem;
      if (progressed) return {};
    }
  }
  if (ec != bhttp::error::need_more) return ec;
  if (parser.is_header_done()) {
    if (auto problem = chunk_framing_problem(unconsumed())) return problem;
  }
  if (buffer.size() >= buffer.max_size()) return FramingError::buffer_full;
  return ec;
}

template boost::system::error_code parse_buffered<true>(boost::beast::flat_buffer&, boost::beast::http::basic_parser<true>&, size_t&);
template boost::system::error_code parse_buffered<false>(boost::beast::flat_buffer&, boost::beast::http::basic_parser<false>&, size_t&);

TrailerGuard::TrailerGuard(const boost::beast::http::fields& fields) {
  for (const auto& field : fields) before_.push_back(&field);
  std::sort(before_.begin(), before_.end());
}

std::vector<std::pair<std::string, std::string>> TrailerGuard::added(const boost::beast::http::fields& fields) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& field : fields)
    if (!std::binary_search(before_.begin(), before_.end(), static_cast<const void*>(&field)))
      out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

size_t TrailerGuard::drop(boost::beast::http::fields& fields) const {
  size_t dropped = 0;
  for (auto it = fields.begin(); it != fields.end();) {
    if (std::binary_search(before_.begin(), before_.end(), static_cast<const void*>(&*it))) {
      ++it;
    } else {
      it = fields.erase(it);
      ++dropped;
    }
  }
  return dropped;
}

}  // namespace x402gw::net
