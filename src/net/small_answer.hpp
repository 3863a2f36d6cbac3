#pragma once
// The answer to a small request/answer exchange (a facilitator's /verify and /settle, a pricer, a
// chain's JSON-RPC) read without Beast's message: the parser keeps the status, the one field its
// callers read (Retry-After) and the body, and builds no field container, so no allocation per
// field on each of a paid request's two facilitator calls. Framing, limits and keep-alive are
// Beast's basic_parser's, as they were with response_parser<string_body>.
#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace x402gw::net {

/// A response read into a status, its Retry-After field and a string body.
class SmallAnswer final : public boost::beast::http::basic_parser<false> {
 public:
  /// The status code.
  unsigned status() const { return status_; }
  /// The first Retry-After field's value ("" if none), as response_parser's get()[field] gives it.
  const std::string& retry_after() const { return retry_after_; }
  /// The body (chunks joined), at most the body limit.
  std::string& body() { return body_; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view, boost::beast::string_view, int,
                       boost::system::error_code&) override {}
  void on_response_impl(int code, boost::beast::string_view, int, boost::system::error_code&) override;
  void on_field_impl(boost::beast::http::field id, boost::beast::string_view, boost::beast::string_view value,
                     boost::system::error_code&) override;
  void on_header_impl(boost::system::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) override;
  size_t on_body_impl(boost::beast::string_view s, boost::system::error_code&) override;
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::system::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view s, boost::system::error_code&) override;
  void on_finish_impl(boost::system::error_code&) override {}

  unsigned status_ = 0;
  bool has_retry_after_ = false;
  std::string retry_after_;
  std::string body_;
};

}  // namespace x402gw::net
