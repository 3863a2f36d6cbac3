// libFuzzer target: the client's request head parsed in place (net/request_head) against Beast's
// request_parser on the same bytes, whole and split in two. Properties: both accept or refuse
// alike (the same error), and on acceptance the same method, target, version, fields (in order,
// names and values; Beast groups a name's fields together), keep-alive, Content-Length and chunked; the body, when one follows, reads
// the same bytes through both; and the head the upstream gets is the one the edits on Beast's
// message made before (upstream/forwarded_head), field for field.
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "net/head_writer.hpp"
#include "net/request_head.hpp"
#include "upstream/forwarded_head.hpp"
#include "upstream/headers.hpp"

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

// A head's request line, and each field name (lower case) with its lines in order: Beast's
// container groups a name's fields, the view writer keeps the order received.
std::map<std::string, std::vector<std::string>> shape(const std::string& head) {
  std::map<std::string, std::vector<std::string>> fields;
  const size_t line_end = head.find("\r\n");
  fields[""].push_back(head.substr(0, line_end));
  for (size_t pos = line_end + 2; pos < head.size();) {
    const size_t end = head.find("\r\n", pos);
    if (end == pos || end == std::string::npos) break;
    const std::string line = head.substr(pos, end - pos);
    std::string name = line.substr(0, line.find(':'));
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    fields[name].push_back(line);
    pos = end + 2;
  }
  return fields;
}

// The head the upstream gets, written from the views, against the edits on Beast's message it
// replaced (upstream/proxy.cpp before): for a head the session lets through its framing checks.
void check_forwarded(const RequestHead& ours, bhttp::request<bhttp::buffer_body> req, size_t size) {
  const auto te = ours.count(bhttp::field::transfer_encoding);
  if (ours.count(bhttp::field::content_length) > 1 || ours.value(bhttp::field::content_length).find(',') != std::string_view::npos ||
      te > 1 || (te == 1 && (ours.version() < 11 || !boost::beast::iequals(ours.value(bhttp::field::transfer_encoding), "chunked"))))
    return;
  // Spellings with `_` are removed by their CGI variable since 4fe1dae (a client's PAYMENT_SIGNATURE
  // beside the verified PAYMENT-SIGNATURE, a Connection-named X_Keep, ...), which the edits on
  // Beast's message below never did: such heads are left to tests/unit/upstream/forwarded_head_test.
  for (const auto& f : ours.fields())
    if (f.name.find('_') != std::string_view::npos || (f.id == bhttp::field::connection && f.value.find('_') != std::string_view::npos))
      return;
  static const std::vector<std::string> reserved{"X-Payer", "X-Payment-Payer"};
  const std::vector<std::string> chain = (size & 8) ? std::vector<std::string>{} : std::vector<std::string>{"203.0.113.7", "::1"};
  const x402gw::core::Headers extra{{"X-Payer", "0x1"}, {"Accept-Encoding", "identity"}};
  const bool trusted = size & 1, forward_payment = size & 2;
  const std::optional<uint64_t> length = (size & 4) ? std::optional<uint64_t>(size) : std::nullopt;
  const std::string target = "/base/x?y=1", host = "127.0.0.1:8080";

  namespace up = x402gw::upstream;
  up::remove_hop_by_hop(req);
  req.erase(bhttp::field::expect);
  if (!forward_payment) up::erase_fields(req, {"X-PAYMENT", "PAYMENT-SIGNATURE"});
  up::remove_client_controlled(req, reserved);
  up::set_forwarding(req, chain, trusted, "https", "api.example.com");
  req.set(bhttp::field::host, host);
  for (const auto& [name, value] : extra) req.set(name, value);
  req.target(target);
  req.version(11);
  req.keep_alive(true);
  if (length) {
    req.chunked(false);
    req.content_length(*length);
  }
  std::string before;
  x402gw::net::append_request_head(before, req);

  up::ForwardEdits e;
  e.target = target;
  e.host_header = host;
  e.chain = &chain;
  e.from_trusted_proxy = trusted;
  e.proto = "https";
  e.client_host = "api.example.com";
  e.forward_payment_header = forward_payment;
  e.reserved = &reserved;
  e.request_headers = &extra;
  e.content_length = length;
  std::string after;
  up::append_forwarded_head(after, ours, e);
  check(after.size() == before.size());
  check(shape(after) == shape(before));
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
  check_forwarded(ours, req, size);

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
