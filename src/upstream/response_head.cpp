#include "upstream/response_head.hpp"

#include <boost/asio/buffer.hpp>

#include "core/strings.hpp"
#include "net/head_writer.hpp"
#include "upstream/headers.hpp"

namespace x402gw::upstream {

ResponseHead::ResponseHead() {
  eager(false);
}

size_t ResponseHead::parse(std::string_view bytes, boost::system::error_code& ec) {
  input_ = bytes;
  return put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
}

std::string_view ResponseHead::keep(boost::beast::string_view view) {
  const std::string_view v(view.data(), view.size());
  if (v.empty() || (v.data() >= input_.data() && v.data() + v.size() <= input_.data() + input_.size())) return v;
  return copies_.emplace_front(v);
}

void ResponseHead::on_response_impl(int code, boost::beast::string_view reason, int version, boost::system::error_code&) {
  status_ = static_cast<unsigned>(code);
  version_ = static_cast<unsigned>(version);
  reason_ = keep(reason);
}

void ResponseHead::on_field_impl(bhttp::field id, boost::beast::string_view name, boost::beast::string_view value,
                                 boost::system::error_code&) {
  fields_.push_back(Field{id, keep(name), keep(value)});
}

std::string_view ResponseHead::reason() const {
  if (!reason_.empty()) return reason_;
  const auto standard = bhttp::obsolete_reason(static_cast<bhttp::status>(status_));
  return {standard.data(), standard.size()};
}

bool ResponseHead::has(bhttp::field id) const {
  for (const auto& f : fields_)
    if (f.id == id) return true;
  return false;
}

bool relayable(const ResponseHead& head, bool head_request) {
  const unsigned status = head.status();
  return head.is_header_done() && !head_request && status >= 200 && status != 204 && status != 304 &&
         head.content_length() && !head.chunked() && !head.has(bhttp::field::transfer_encoding);
}

void append_relayed_head(std::string& out, const ResponseHead& head, unsigned version, const core::Headers& extra,
                         bool keep_alive, std::span<const std::string_view> strip) {
  // The names Connection lists go with it (a handful at most: kept inline, not allocated).
  boost::container::small_vector<std::string_view, 8> named;
  for (const auto& f : head.fields())
    if (f.id == bhttp::field::connection) for_each_connection_name(f.value, [&](std::string_view n) { named.push_back(n); });
  auto dropped = [&](const ResponseHead::Field& f) {
    if (hop_by_hop(f.id)) return true;
    for (std::string_view n : named)
      if (core::iequals(n, f.name)) return true;
    for (const auto& [name, value] : extra)
      if (core::iequals(name, f.name)) return true;
    for (std::string_view name : strip)
      if (core::iequals(name, f.name)) return true;
    return false;
  };

  const unsigned status = head.status();
  const std::string_view reason = head.reason();
  size_t size = 17 + reason.size();
  for (const auto& f : head.fields()) size += f.name.size() + f.value.size() + 4;
  for (const auto& [name, value] : extra) size += name.size() + value.size() + 4;
  out.reserve(out.size() + size + 24);

  net::append_status_line(out, version >= 11 ? 11 : 10, status, reason);
  for (const auto& f : head.fields())
    if (!dropped(f)) net::append_field(out, f.name, f.value);
  for (const auto& [name, value] : extra) net::append_field(out, name, value);
  if (version >= 11 && !keep_alive) net::append_field(out, "Connection", "close");
  if (version < 11 && keep_alive) net::append_field(out, "Connection", "keep-alive");
  out += "\r\n";
}

}  // namespace x402gw::upstream
