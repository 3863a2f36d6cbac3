#include "net/head_writer.hpp"

namespace x402gw::net {
namespace {

namespace bhttp = boost::beast::http;

void append_version(std::string& out, unsigned version) {
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
}

void append_fields(std::string& out, const bhttp::fields& fields) {
  for (const auto& field : fields) append_field(out, field.name_string(), field.value());
  out += "\r\n";
}

// A head is mostly its fields: reserve once instead of growing field by field.
size_t fields_size(const bhttp::fields& fields) {
  size_t n = 2;
  for (const auto& field : fields) n += field.name_string().size() + field.value().size() + 4;
  return n;
}

}  // namespace

void append_request_head(std::string& out, const bhttp::request_header<>& req) {
  const auto method = req.method_string();
  const auto target = req.target();
  out.reserve(out.size() + method.size() + target.size() + 11 + fields_size(req));
  out += method;
  out += ' ';
  out += target;
  out += ' ';
  append_version(out, req.version());
  out += "\r\n";
  append_fields(out, req);
}

void append_response_head(std::string& out, const bhttp::response_header<>& res) {
  const auto reason = res.reason();  // the message's own, else the standard reason of the code
  out.reserve(out.size() + 15 + reason.size() + fields_size(res));
  append_status_line(out, res.version(), res.result_int(), {reason.data(), reason.size()});
  append_fields(out, res);
}

void append_status_line(std::string& out, unsigned version, unsigned status, std::string_view reason) {
  append_version(out, version);
  out += ' ';
  out += static_cast<char>('0' + status / 100 % 10);
  out += static_cast<char>('0' + status / 10 % 10);
  out += static_cast<char>('0' + status % 10);
  out += ' ';
  out += reason;
  out += "\r\n";
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

size_t chunk_size_line(char* out, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  char digits[2 * sizeof(size_t)];
  size_t n = 0;
  do {
    digits[n++] = kHex[size & 0xf];
    size >>= 4;
  } while (size != 0);
  for (size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = '\r';
  out[n + 1] = '\n';
  return n + 2;
}

}  // namespace x402gw::net
