#include "upstream/forwarded_head.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/container/small_vector.hpp>
#include <cctype>
#include <cstdio>

#include "net/head_writer.hpp"
#include "upstream/headers.hpp"

namespace x402gw::upstream {

namespace bhttp = boost::beast::http;

namespace {

bool iequal(std::string_view a, std::string_view b) { return boost::beast::iequals(a, b); }

bool any_variable(std::string_view name, const std::vector<std::string_view>& names) {
  for (std::string_view n : names)
    if (same_variable(name, n)) return true;
  return false;
}

// The first element of a list-valued field, trimmed ("https, http" -> "https").
std::string_view first_element(std::string_view value) {
  value = value.substr(0, value.find(','));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

// The fields the gateway sets, in the order set; setting a name again replaces it (as Beast's set()).
struct Extras {
  boost::container::small_vector<std::pair<std::string_view, std::string_view>, 12> fields;
  void set(std::string_view name, std::string_view value) {
    for (auto it = fields.begin(); it != fields.end();)
      it = iequal(it->first, name) ? fields.erase(it) : std::next(it);
    fields.emplace_back(name, value);
  }
  bool has(std::string_view name) const {
    for (const auto& [n, v] : fields)
      if (iequal(n, name)) return true;
    return false;
  }
};

}  // namespace

void append_forwarded_head(std::string& out, const net::RequestHead& head, const ForwardEdits& edits) {
  static const std::vector<std::string_view> kPayment = {"X-PAYMENT", "PAYMENT-SIGNATURE"};
  static const std::vector<std::string_view> kClientSays = {"X-Forwarded-For", "X-Real-IP", "Forwarded"};
  static const std::vector<std::string_view> kUpstreamSays = {"Settlement-Overrides"};
  const std::vector<std::string_view> none;

  // The names Connection lists go with it.
  boost::container::small_vector<std::string_view, 8> named;
  for (const auto& f : head.fields())
    if (f.id == bhttp::field::connection) for_each_connection_name(f.value, [&](std::string_view n) { named.push_back(n); });

  // Removed before the forwarding headers are set (upstream/headers: remove_hop_by_hop, Expect,
  // the payment headers, remove_client_controlled, set_forwarding's removals).
  auto removed = [&](const net::RequestHead::Field& f) {
    if (hop_by_hop(f.id) || f.id == bhttp::field::expect) return true;
    for (std::string_view n : named)
      if (iequal(n, f.name)) return true;
    if (!edits.forward_payment_header && any_variable(f.name, kPayment)) return true;
    if (any_variable(f.name, override_headers()) || any_variable(f.name, kUpstreamSays)) return true;
    if (edits.reserved)
      for (const std::string& r : *edits.reserved)
        if (same_variable(f.name, r)) return true;
    if (!edits.from_trusted_proxy && any_variable(f.name, forwarding_headers())) return true;
    return any_variable(f.name, kClientSays);
  };

  const net::RequestHead::Field* client_proto = nullptr;
  const net::RequestHead::Field* client_host = nullptr;
  for (const auto& f : head.fields()) {
    if (removed(f)) continue;
    if (!client_proto && iequal(f.name, "X-Forwarded-Proto")) client_proto = &f;
    if (!client_host && iequal(f.name, "X-Forwarded-Host")) client_host = &f;
  }

  Extras extras;
  std::string xff;
  std::string forwarded;
  const std::vector<std::string> no_chain;
  const std::vector<std::string>& chain = edits.chain ? *edits.chain : no_chain;
  if (!chain.empty()) {
    for (const std::string& address : chain) {
      if (!xff.empty()) xff += ", ";
      xff += address;
    }
    extras.set("X-Forwarded-For", xff);
    extras.set("X-Real-IP", chain.front());
  }
  if (!client_proto) extras.set("X-Forwarded-Proto", edits.proto);
  if (!client_host && !edits.client_host.empty()) extras.set("X-Forwarded-Host", edits.client_host);
  forwarded = forwarded_value(chain, client_proto ? first_element(client_proto->value) : edits.proto, edits.proto,
                              client_host ? first_element(client_host->value) : first_element(edits.client_host));
  extras.set("Forwarded", forwarded);
  extras.set("Host", edits.host_header);
  if (edits.request_headers)
    for (const auto& [name, value] : *edits.request_headers) extras.set(name, value);
  char length[24];
  if (edits.content_length) {
    const int n = std::snprintf(length, sizeof length, "%llu", static_cast<unsigned long long>(*edits.content_length));
    extras.set("Content-Length", std::string_view(length, static_cast<size_t>(n)));
  }

  auto dropped = [&](const net::RequestHead::Field& f) {
    if (removed(f)) return true;
    if (edits.content_length && (f.id == bhttp::field::transfer_encoding || f.id == bhttp::field::content_length)) return true;
    return extras.has(f.name);
  };

  size_t size = head.method_string().size() + edits.target.size() + 14;
  for (const auto& f : head.fields()) size += f.name.size() + f.value.size() + 4;
  for (const auto& [name, value] : extras.fields) size += name.size() + value.size() + 4;
  out.reserve(out.size() + size);
  out += head.method_string();
  out += ' ';
  out += edits.target;
  out += " HTTP/1.1\r\n";
  for (const auto& f : head.fields())
    if (!dropped(f)) net::append_field(out, f.name, f.value);
  for (const auto& [name, value] : extras.fields) net::append_field(out, name, value);
  out += "\r\n";
}

}  // namespace x402gw::upstream
