#pragma once
// Bounds on what a message parser may hold unconsumed, apart from any socket: the pure half of
// net/bounded_read. Beast's parser leaves an incomplete chunk-size line (with its extensions) or
// trailer section in the read buffer and asks for more bytes; Beast's own read keeps reading
// while it does, and `body_limit` counts chunk data only, so one connection could fill memory
// with `1;aaaa...`. Here every buffer has a maximum size, and a parser in its body that waits on
// more than a few KiB of chunk framing is refused.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/fields.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <system_error>
#include <vector>

namespace x402gw::net {

/// The longest chunk-size line accepted, chunk extensions included.
inline constexpr size_t kMaxChunkLine = 4 * 1024;
/// The longest trailer section accepted, its last-chunk line included.
inline constexpr size_t kMaxTrailerSection = 8 * 1024;
/// Room a read buffer has beyond the largest header it must hold: one read's worth.
inline constexpr size_t kReadMargin = 16 * 1024;
/// The header limit of upstream and facilitator responses (Beast's default for responses).
inline constexpr size_t kResponseHeaderLimit = 8 * 1024;

/// The maximum size of a read buffer that must hold a header of `header_limit` bytes.
constexpr size_t read_buffer_cap(size_t header_limit) { return header_limit + kReadMargin; }

/// Why a bounded read stopped (besides the socket's and the parser's own errors).
enum class FramingError {
  chunk_line_too_long = 1,  // a chunk-size line (extensions included) over kMaxChunkLine
  trailers_too_large,       // a trailer section over kMaxTrailerSection
  buffer_full,              // the read buffer reached its maximum size without the parser progressing
};
const boost::system::error_category& framing_category() noexcept;
boost::system::error_code make_error_code(FramingError e) noexcept;

/// Whether `ec` is one of the framing errors above.
bool is_framing_error(const boost::system::error_code& ec) noexcept;

/// The problem with the bytes a parser in its body left unconsumed while asking for more: they
/// are an incomplete chunk-size line or trailer section (Beast consumes chunk data as it comes),
/// too long, or fine (an empty code).
boost::system::error_code chunk_framing_problem(std::string_view unconsumed) noexcept;

/// Parses what `buffer` holds with `parser` and consumes what it took (`used` adds it). Returns
/// the parser's verdict, or a framing error when it asks for more than the bounds allow; an
/// empty buffer is `need_more`. A chunked body is offered to the parser in windows of one bounded
/// line (or trailer section), so that the bounds hold however the bytes arrive. Never reads.
template <bool isRequest>
boost::system::error_code parse_buffered(boost::beast::flat_buffer& buffer, boost::beast::http::basic_parser<isRequest>& parser,
                                         size_t& used);

/// The header fields a message had before its body was read. Beast's parser adds a chunked
/// body's trailer fields to the message's header; drop() removes them again, so that a trailer
/// never becomes a header field (past limits.max_header_count, or as a second PAYMENT-SIGNATURE).
class TrailerGuard {
 public:
  explicit TrailerGuard(const boost::beast::http::fields& fields);
  /// Removes the fields added since construction; returns how many.
  size_t drop(boost::beast::http::fields& fields) const;
  /// The fields added since construction (the trailers), as (name, value) pairs in the message's order.
  std::vector<std::pair<std::string, std::string>> added(const boost::beast::http::fields& fields) const;

 private:
  std::vector<const void*> before_;
};

}  // namespace x402gw::net

template <>
struct boost::system::is_error_code_enum<x402gw::net::FramingError> : std::true_type {};
