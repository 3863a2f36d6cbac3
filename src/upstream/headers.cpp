#include "upstream/headers.hpp"

#include <boost/range/iterator_range.hpp>
#include <string>
#include <vector>

namespace x402gw::upstream {

namespace bhttp = boost::beast::http;

bool hop_by_hop(bhttp::field name) {
  switch (name) {
    case bhttp::field::connection:
    case bhttp::field::keep_alive:
    case bhttp::field::proxy_connection:
    case bhttp::field::te:
    case bhttp::field::trailer:
    case bhttp::field::upgrade:
    case bhttp::field::proxy_authorization:
    case bhttp::field::proxy_authenticate: return true;
    default: return false;
  }
}

void remove_hop_by_hop(bhttp::fields& fields) {
  // Copies: erasing a named field may erase the Connection field the names were read from.
  std::vector<std::string> named;
  for (const auto& field : boost::make_iterator_range(fields.equal_range(bhttp::field::connection)))
    for_each_connection_name(field.value(), [&](std::string_view name) { named.emplace_back(name); });
  for (const auto& name : named) fields.erase(name);
  // The fixed hop-by-hop names in one pass over the fields (a field's name is known by its enum).
  for (auto it = fields.begin(); it != fields.end();) {
    if (hop_by_hop(it->name())) it = fields.erase(it);
    else ++it;
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
