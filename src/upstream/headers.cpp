#include "upstream/headers.hpp"

#include <boost/range/iterator_range.hpp>
#include <string>
#include <vector>

namespace x402gw::upstream {

namespace bhttp = boost::beast::http;

void remove_hop_by_hop(bhttp::fields& fields) {
  std::vector<std::string> named;
  for (const auto& field : boost::make_iterator_range(fields.equal_range(bhttp::field::connection))) {
    std::string_view value = field.value();
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string_view token = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (!token.empty()) named.emplace_back(token);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  for (const auto& name : named) {
    // Never let "Connection: transfer-encoding" or "content-length" strip the framing.
    if (bhttp::string_to_field(name) == bhttp::field::transfer_encoding ||
        bhttp::string_to_field(name) == bhttp::field::content_length)
      continue;
    fields.erase(name);
  }
  // The fixed hop-by-hop names in one pass over the fields (a field's name is known by its enum).
  for (auto it = fields.begin(); it != fields.end();) {
    switch (it->name()) {
      case bhttp::field::connection:
      case bhttp::field::keep_alive:
      case bhttp::field::proxy_connection:
      case bhttp::field::te:
      case bhttp::field::trailer:
      case bhttp::field::upgrade:
      case bhttp::field::proxy_authorization:
      case bhttp::field::proxy_authenticate: it = fields.erase(it); break;
      default: ++it;
    }
  }
}

void add_forwarded(bhttp::fields& fields, std::string_view client_ip, std::string_view proto, std::string_view host) {
  std::string xff;
  for (const auto& field : boost::make_iterator_range(fields.equal_range("X-Forwarded-For"))) {
    if (!xff.empty()) xff += ", ";
    xff += std::string(field.value());
  }
  if (!xff.empty()) xff += ", ";
  xff += std::string(client_ip);
  fields.set("X-Forwarded-For", xff);
  fields.set("X-Forwarded-Proto", proto);
  if (!host.empty()) fields.set("X-Forwarded-Host", host);
}

}  // namespace x402gw::upstream

namespace x402gw::upstream {

const std::vector<std::string_view>& override_headers() {
  static const std::vector<std::string_view> names = {
      "X-Original-URL",        "X-Rewrite-URL",     "X-Override-URL", "X-Original-URI",
      "X-HTTP-Method-Override", "X-HTTP-Method",    "X-Method-Override", "X-HTTP-Path-Override",
  };
  return names;
}

void remove_client_controlled(bhttp::fields& fields, const std::vector<std::string>& reserved) {
  for (std::string_view name : override_headers()) fields.erase(name);
  for (const std::string& name : reserved) fields.erase(name);
}

}  // namespace x402gw::upstream
