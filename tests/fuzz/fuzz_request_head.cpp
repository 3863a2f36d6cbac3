// libFuzzer target: the client's request head parsed in place (net/request_head) against Beast's
// request_parser on the same bytes, whole and split in two. Properties: both accept or refuse
// alike (the same error), and on acceptance the same method, target, version, fields (in order,
// names and values; Beast groups a name's fields together), keep-alive, Content-Length and chunked; the body, when one follows, reads
// the same bytes through both.
#include <boost/beast/http.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "net/request_head.hpp"

namespace bhttp = boost::beast::http;
using x402gw::net::RequestHead;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The body after the head, read through `p` into a string (up to an error or the end).
template <class Put>
std::string drain(std::string_view rest, Put&& put, bool& failed) {
  std::string out;
  size_t used = 0;
  for (int rounds = 0; rounds < 10000 && used < rest.size(); ++rounds) {
    boost::system::error_code ec;
    const size_t n = put(rest.substr(used), out, ec);
    used += n;
    if (ec == bhttp::error::need_more) break;
    if (ec && ec != bhttp::error::need_buffer) {
      failed = true;
      break;
    }
    if (n == 0 && !ec) break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t end = bytes.find("\r\n\r\n");
  const std::string_view head_bytes = end == std::string_view::npos ? bytes : bytes.substr(0, end + 4);

  RequestHead ours;
  ours.header_limit(4096);
  boost::system::error_code our_ec;
  const size_t our_used = ours.parse(head_bytes, our_ec);

  bhttp::request_parser<bhttp::buffer_body> beast;
  beast.eager(false);
  beast.header_limit(4096);
  boost::system::error_code their_ec;
  const size_t their_used = beast.put(boost::asio::buffer(head_bytes.data(), head_bytes.size()), their_ec);

  check(our_ec == their_ec);
  check(our_used == their_used);
  check(ours.is_header_done() == beast.is_header_done());
  if (our_ec || !ours.is_header_done()) return 0;

  const auto& req = beast.get();
  check(ours.method() == req.method());
  check(ours.method_string() == std::string_view(req.method_string()));
  check(ours.target() == std::string_view(req.target()));
  check(ours.version() == req.version());
  check(ours.keep_alive() == req.keep_alive());
  check(ours.content_length() == beast.content_length());
  check(ours.chunked() == beast.chunked());
  check(ours.is_done() == beast.is_done());
  // Beast's container keeps fields of one name together (in the order of each name's first
  // appearance); ours keeps the order received. Grouped alike, both hold the same fields.
  std::vector<const RequestHead::Field*> grouped;
  std::vector<bool> taken(ours.field_count(), false);
  for (size_t a = 0; a < ours.field_count(); ++a) {
    if (taken[a]) continue;
    const auto& first = ours.fields()[a];
    for (size_t b = a; b < ours.field_count(); ++b)
      if (!taken[b] && boost::beast::iequals(ours.fields()[b].name, first.name)) taken[b] = true, grouped.push_back(&ours.fields()[b]);
  }
  size_t i = 0;
  for (const auto& f : req) {
    check(i < grouped.size());
    const auto& mine = *grouped[i++];
    check(mine.id == f.name());
    check(mine.name == std::string_view(f.name_string()));
    check(mine.value == std::string_view(f.value()));
    // Lookups by id and by name read what Beast's container reads.
    check(ours.value(std::string_view(f.name_string())) == std::string_view(req[f.name_string()]));
    check(ours.count(std::string_view(f.name_string())) ==
          static_cast<size_t>(std::distance(req.equal_range(f.name_string()).first, req.equal_range(f.name_string()).second)));
    if (f.name() != bhttp::field::unknown) check(ours.value(f.name()) == std::string_view(req[f.name()]));
  }
  check(i == ours.field_count());

  // The body, if any, streams through both alike (small windows exercise need_buffer).
  if (!ours.is_done()) {
    const std::string_view rest = bytes.substr(head_bytes.size());
    bool our_failed = false, their_failed = false;
    const std::string a = drain(rest, [&](std::string_view in, std::string& out, boost::system::error_code& ec) {
      char window[7];
      ours.body().data = window;
      ours.body().size = sizeof window;
      const size_t n = ours.put(boost::asio::buffer(in.data(), in.size()), ec);
      out.append(window, sizeof window - ours.body().size);
      return n;
    }, our_failed);
    const std::string b = drain(rest, [&](std::string_view in, std::string& out, boost::system::error_code& ec) {
      char window[7];
      beast.get().body().data = window;
      beast.get().body().size = sizeof window;
      const size_t n = beast.put(boost::asio::buffer(in.data(), in.size()), ec);
      out.append(window, sizeof window - beast.get().body().size);
      return n;
    }, their_failed);
    check(our_failed == their_failed);
    check(a == b);
    check(ours.is_done() == beast.is_done());
  }
  return 0;
}
