#pragma once
// An upstream's response head parsed in place, and the head the client gets for it written
// straight from those bytes. The common answer, a final status with a body of known length, then
// costs no allocation per field: no header container is built, no field is erased or set. Any
// other answer (interim 1xx, chunked or close-delimited bodies, HEAD, 204, 304) goes through
// Beast's message, and both ways write the same bytes (tests/fuzz/fuzz_head_writer.cpp).
#include <boost/beast/http/basic_parser.hpp>
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <forward_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/reply.hpp"

namespace x402gw::upstream {

namespace bhttp = boost::beast::http;

/// A response head parsed without copying: the status line and each field are views into the
/// bytes given to parse() (a value Beast had to rewrite, such as a folded line, is copied here).
/// The bytes must outlive the views. Parses the head only; one instance per response.
class ResponseHead final : public bhttp::basic_parser<false> {
 public:
  /// One field as received.
  struct Field {
    bhttp::field id;
    std::string_view name;
    std::string_view value;
  };

  ResponseHead();

  /// Parses the head at the start of `bytes`; returns the bytes it took (the whole head once
  /// is_header_done()).
  size_t parse(std::string_view bytes, boost::system::error_code& ec);

  unsigned status() const { return status_; }
  /// The reason phrase as received, else the standard one of the status.
  std::string_view reason() const;
  unsigned version() const { return version_; }
  std::span<const Field> fields() const { return {fields_.data(), fields_.size()}; }
  bool has(bhttp::field id) const;

 private:
  void on_request_impl(bhttp::verb, boost::beast::string_view, boost::beast::string_view, int,
                       boost::system::error_code&) override {}
  void on_response_impl(int code, boost::beast::string_view reason, int version, boost::system::error_code&) override;
  void on_field_impl(bhttp::field id, boost::beast::string_view name, boost::beast::string_view value,
                     boost::system::error_code&) override;
  void on_header_impl(boost::system::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::system::error_code&) override {}
  size_t on_body_impl(boost::beast::string_view, boost::system::error_code&) override { return 0; }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::system::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view, boost::system::error_code&) override { return 0; }
  void on_finish_impl(boost::system::error_code&) override {}

  std::string_view keep(boost::beast::string_view view);

  std::string_view input_;
  unsigned status_ = 0;
  unsigned version_ = 0;
  std::string_view reason_;
  // Inline room for a usual head's fields: parsing one allocates nothing beyond this object.
  boost::container::small_vector<Field, 16> fields_;
  std::forward_list<std::string> copies_;  // rare: empty, it allocates nothing
};

/// Whether the client's head can be written from `head` alone: a final status (not 101, 204 or
/// 304) with a Content-Length and no Transfer-Encoding, for a request that is not HEAD.
bool relayable(const ResponseHead& head, bool head_request);

/// Appends the head the client gets: the status line in HTTP `version`, the upstream's fields
/// less the hop-by-hop ones (and those Connection names) and less those `extra` sets, then
/// `extra`, then Connection as `keep_alive` requires. The same bytes as Beast's message with
/// remove_hop_by_hop(), set(extra...), version() and keep_alive() applied. Fields named in `strip`
/// are left out too (the gateway's own, such as an upstream's Settlement-Overrides).
void append_relayed_head(std::string& out, const ResponseHead& head, unsigned version, const core::Headers& extra,
                         bool keep_alive, std::span<const std::string_view> strip = {});

}  // namespace x402gw::upstream
