#include "net/small_answer.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace x402gw::net {

void SmallAnswer::on_response_impl(int code, boost::beast::string_view, int, boost::system::error_code&) {
  status_ = static_cast<unsigned>(code);
}

void SmallAnswer::on_field_impl(boost::beast::http::field id, boost::beast::string_view, boost::beast::string_view value,
                                boost::system::error_code&) {
  if (id != boost::beast::http::field::retry_after || has_retry_after_) return;
  has_retry_after_ = true;
  retry_after_.assign(value.data(), value.size());
}

void SmallAnswer::on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) {
  // As string_body's reader: a declared length is reserved at once (the body limit has been
  // checked against it by then).
  if (length) {
    if (*length > body_.max_size()) {
      ec = boost::beast::http::error::buffer_overflow;
      return;
    }
    body_.reserve(static_cast<size_t>(*length));
  }
}

size_t SmallAnswer::on_body_impl(boost::beast::string_view s, boost::system::error_code&) {
  body_.append(s.data(), s.size());
  return s.size();
}

size_t SmallAnswer::on_chunk_body_impl(std::uint64_t, boost::beast::string_view s, boost::system::error_code&) {
  body_.append(s.data(), s.size());
  return s.size();
}

}  // namespace x402gw::net
