#include "net/request_head.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <algorithm>
#include <cstring>

namespace x402gw::net {

namespace bhttp = boost::beast::http;

RequestHead::RequestHead() { eager(false); }

std::size_t RequestHead::parse(std::string_view head, boost::system::error_code& ec) {
  char* storage = inline_.data();
  if (head.size() > inline_.size()) {
    large_ = std::make_unique<char[]>(head.size());
    storage = large_.get();
  }
  if (!head.empty()) std::memcpy(storage, head.data(), head.size());
  input_ = std::string_view(storage, head.size());
  return put(boost::asio::buffer(storage, head.size()), ec);
}

std::string_view RequestHead::keep(boost::beast::string_view view) {
  const std::string_view v(view.data(), view.size());
  if (v.empty()) return {};
  if (!input_.empty() && v.data() >= input_.data() && v.data() + v.size() <= input_.data() + input_.size()) return v;
  return copies_.emplace_front(v);
}

void RequestHead::on_request_impl(verb method, boost::beast::string_view method_str, boost::beast::string_view target,
                                  int version, boost::system::error_code& ec) {
  if (used_) {  // as Beast's parser: one message per parser
    ec = bhttp::error::stale_parser;
    return;
  }
  used_ = true;
  method_ = method;
  method_string_ = keep(method_str);
  target_ = keep(target);
  version_ = static_cast<unsigned>(version);
}

void RequestHead::on_field_impl(field id, boost::beast::string_view name, boost::beast::string_view value,
                                boost::system::error_code&) {
  // A chunked body's trailer fields arrive here too, after the header: they never become fields
  // (the gateway forwards no request trailers).
  if (is_header_done()) return;
  fields_.push_back(Field{id, keep(name), keep(value)});
}

std::size_t RequestHead::on_body_impl(boost::beast::string_view body, boost::system::error_code& ec) {
  if (!body_.data) {
    ec = bhttp::error::need_buffer;
    return 0;
  }
  const std::size_t n = std::min(body_.size, body.size());
  if (n > 0) std::memcpy(body_.data, body.data(), n);
  body_.data = static_cast<char*>(body_.data) + n;
  body_.size -= n;
  if (n == body.size()) ec = {};
  else ec = bhttp::error::need_buffer;
  return n;
}

bool RequestHead::matches(const Field& f, field id, std::string_view name) {
  if (id != field::unknown) return f.id == id;
  return f.id == field::unknown && boost::beast::iequals(f.name, name);
}

std::size_t RequestHead::count(field id) const {
  return static_cast<std::size_t>(std::count_if(fields_.begin(), fields_.end(), [&](const Field& f) { return f.id == id; }));
}

std::size_t RequestHead::count(std::string_view name) const {
  const field id = bhttp::string_to_field(name);
  return static_cast<std::size_t>(
      std::count_if(fields_.begin(), fields_.end(), [&](const Field& f) { return matches(f, id, name); }));
}

const RequestHead::Field* RequestHead::find(field id) const {
  for (const Field& f : fields_)
    if (f.id == id) return &f;
  return nullptr;
}

const RequestHead::Field* RequestHead::find(std::string_view name) const {
  const field id = bhttp::string_to_field(name);
  for (const Field& f : fields_)
    if (matches(f, id, name)) return &f;
  return nullptr;
}

std::string_view RequestHead::value(field id) const {
  const Field* f = find(id);
  return f ? f->value : std::string_view{};
}

std::string_view RequestHead::value(std::string_view name) const {
  const Field* f = find(name);
  return f ? f->value : std::string_view{};
}

bool RequestHead::keep_alive() const {
  const Field* connection = find(field::connection);
  const boost::beast::string_view value = connection ? boost::beast::string_view(connection->value.data(), connection->value.size())
                                                     : boost::beast::string_view();
  if (version_ < 11) return connection && bhttp::token_list{value}.exists("keep-alive");
  return !connection || !bhttp::token_list{value}.exists("close");
}

}  // namespace x402gw::net
