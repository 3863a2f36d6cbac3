#include "http/request_checks.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/range/iterator_range.hpp>
#include <algorithm>
#include <iterator>

namespace x402gw::http {

namespace bhttp = ::boost::beast::http;

std::optional<std::string> framing_problem(const bhttp::fields& fields, unsigned version) {
  auto count = [&](bhttp::field f) { return std::distance(fields.equal_range(f).first, fields.equal_range(f).second); };
  const auto lengths = count(bhttp::field::content_length);
  if (lengths > 1) return "more than one Content-Length header";
  if (lengths == 1 && fields[bhttp::field::content_length].find(',') != std::string_view::npos)
    return "a Content-Length header with a list of values";
  const auto encodings = count(bhttp::field::transfer_encoding);
  if (encodings > 0) {
    if (version < 11) return "Transfer-Encoding in an HTTP/1.0 request";
    if (encodings > 1 || !::boost::beast::iequals(fields[bhttp::field::transfer_encoding], "chunked"))
      return "a Transfer-Encoding other than a single \"chunked\"";
  }
  if (version >= 11 && count(bhttp::field::host) != 1) return "an HTTP/1.1 request needs exactly one Host header";
  return std::nullopt;
}

bool has_obsolete_line_folding(std::string_view header) {
  for (size_t pos = header.find("\r\n"); pos != std::string_view::npos; pos = header.find("\r\n", pos + 2)) {
    if (pos + 2 < header.size() && (header[pos + 2] == ' ' || header[pos + 2] == '\t')) return true;
  }
  return false;
}

bool method_is_upper_case(std::string_view method) {
  return std::none_of(method.begin(), method.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

std::optional<std::string> duplicate_payment_header(const bhttp::fields& fields) {
  for (const char* name : {"PAYMENT-SIGNATURE", "X-PAYMENT"}) {
    const auto range = fields.equal_range(name);
    if (range.first != range.second && std::next(range.first) != range.second) return std::string(name);
  }
  return std::nullopt;
}

size_t header_end(std::string_view bytes) {
  size_t pos = bytes.find("\r\n\r\n");
  return pos == std::string_view::npos ? pos : pos + 4;
}

}  // namespace x402gw::http
