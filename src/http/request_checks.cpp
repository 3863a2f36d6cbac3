#include "http/request_checks.hpp"

#include <boost/beast/core/string.hpp>
#include <algorithm>
#include <iterator>

namespace x402gw::http {

namespace bhttp = ::boost::beast::http;

namespace {

using Fields = std::span<const net::RequestHead::Field>;

size_t count_of(Fields fields, bhttp::field id) {
  return static_cast<size_t>(std::count_if(fields.begin(), fields.end(), [&](const auto& f) { return f.id == id; }));
}

// The first value of a field, or "".
std::string_view first_of(Fields fields, bhttp::field id) {
  for (const auto& f : fields)
    if (f.id == id) return f.value;
  return {};
}

}  // namespace

std::optional<std::string> framing_problem(Fields fields, unsigned version) {
  const size_t lengths = count_of(fields, bhttp::field::content_length);
  if (lengths > 1) return "more than one Content-Length header";
  if (lengths == 1 && first_of(fields, bhttp::field::content_length).find(',') != std::string_view::npos)
    return "a Content-Length header with a list of values";
  const size_t encodings = count_of(fields, bhttp::field::transfer_encoding);
  if (encodings > 0) {
    if (version < 11) return "Transfer-Encoding in an HTTP/1.0 request";
    if (encodings > 1 || !::boost::beast::iequals(first_of(fields, bhttp::field::transfer_encoding), "chunked"))
      return "a Transfer-Encoding other than a single \"chunked\"";
  }
  if (version >= 11 && count_of(fields, bhttp::field::host) != 1) return "an HTTP/1.1 request needs exactly one Host header";
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

std::optional<std::string> duplicate_payment_header(Fields fields) {
  for (const char* name : {"PAYMENT-SIGNATURE", "X-PAYMENT"}) {
    const bhttp::field id = bhttp::string_to_field(name);
    const auto same = [&](const auto& f) { return net::RequestHead::matches(f, id, name); };
    if (std::count_if(fields.begin(), fields.end(), same) > 1) return std::string(name);
  }
  return std::nullopt;
}

size_t header_end(std::string_view bytes) {
  size_t pos = bytes.find("\r\n\r\n");
  return pos == std::string_view::npos ? pos : pos + 4;
}

}  // namespace x402gw::http
