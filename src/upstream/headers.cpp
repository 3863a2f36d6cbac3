#include "upstream/headers.hpp"

#include <boost/range/iterator_range.hpp>
#include <cctype>
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

bool same_variable(std::string_view field, std::string_view name) {
  if (field.size() != name.size()) return false;
  for (size_t i = 0; i < field.size(); ++i) {
    char a = static_cast<char>(std::tolower(static_cast<unsigned char>(field[i])));
    char b = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    if (a == '_') a = '-';
    if (b == '_') b = '-';
    if (a != b) return false;
  }
  return true;
}

void erase_fields(bhttp::fields& fields, const std::vector<std::string_view>& names) {
  for (std::string_view name : names) fields.erase(name);
  // Underscore spellings are rare: one pass over the fields, comparing only those.
  for (auto it = fields.begin(); it != fields.end();) {
    const std::string_view field = it->name_string();
    bool erase = false;
    if (field.find('_') != std::string_view::npos)
      for (std::string_view name : names)
        if (same_variable(field, name)) {
          erase = true;
          break;
        }
    it = erase ? fields.erase(it) : std::next(it);
  }
}

namespace {

// A node of Forwarded (RFC 7239 section 6): IPv6 in brackets, quoted; IPv4 and "unknown" as they are.
std::string forwarded_node(std::string_view address) {
  if (address.find(':') == std::string_view::npos) return std::string(address);
  return "\"[" + std::string(address) + "]\"";
}

std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// The first element of a list-valued field, trimmed ("https, http" -> "https").
std::string_view first_element(std::string_view value) {
  value = value.substr(0, value.find(','));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

bool is_scheme(std::string_view s) { return s == "http" || s == "https"; }

}  // namespace

std::string forwarded_value(const std::vector<std::string>& chain, std::string_view scheme_said, std::string_view proto,
                            std::string_view client_host) {
  std::string scheme(scheme_said);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!is_scheme(scheme)) scheme = std::string(proto);
  std::string forwarded = "for=" + forwarded_node(chain.empty() ? std::string_view("unknown") : std::string_view(chain.front()));
  if (!client_host.empty()) forwarded += ";host=" + quoted(client_host);
  forwarded += ";proto=" + scheme;
  for (size_t i = 1; i < chain.size(); ++i) forwarded += ", for=" + forwarded_node(chain[i]);
  return forwarded;
}

void set_forwarding(bhttp::fields& fields, const std::vector<std::string>& chain, bool from_trusted_proxy,
                    std::string_view proto, std::string_view host) {
  if (!from_trusted_proxy) erase_fields(fields, forwarding_headers());
  // Who the client is, only as the gateway believes it (what a trusted proxy said is in `chain`).
  erase_fields(fields, {"X-Forwarded-For", "X-Real-IP", "Forwarded"});
  if (!chain.empty()) {
    std::string xff;
    for (const std::string& address : chain) {
      if (!xff.empty()) xff += ", ";
      xff += address;
    }
    fields.set("X-Forwarded-For", xff);
    fields.set("X-Real-IP", chain.front());
  }
  if (fields.count("X-Forwarded-Proto") == 0) fields.set("X-Forwarded-Proto", proto);
  if (fields.count("X-Forwarded-Host") == 0 && !host.empty()) fields.set("X-Forwarded-Host", host);
  // Forwarded says the same as the X- headers: the scheme and host the client used, as far as known.
  const std::string_view client_host = fields.count("X-Forwarded-Host") ? first_element(fields["X-Forwarded-Host"]) : host;
  const std::string forwarded = forwarded_value(chain, first_element(fields["X-Forwarded-Proto"]), proto, client_host);
  fields.set("Forwarded", forwarded);
}

const std::vector<std::string_view>& forwarding_headers() {
  static const std::vector<std::string_view> names = {
      // The client's address.
      "Forwarded", "X-Forwarded-For", "X-Forwarded", "Forwarded-For", "X-Forwarded-By", "X-Real-IP", "X-Client-IP",
      "Client-IP", "True-Client-IP", "CF-Connecting-IP", "CF-Connecting-IPv6", "Fastly-Client-IP", "X-Cluster-Client-IP",
      "X-Originating-IP", "X-Remote-IP", "X-Remote-Addr", "X-ProxyUser-IP", "X-Envoy-External-Address",
      "X-Azure-ClientIP", "X-Azure-SocketIP", "X-Original-Forwarded-For", "WL-Proxy-Client-IP", "Proxy-Client-IP",
      "X-ARR-ClientIP", "Fly-Client-IP", "CloudFront-Viewer-Address",
      // The scheme, host, port and path prefix it used.
      "X-Forwarded-Proto", "X-Forwarded-Protocol", "X-Forwarded-Scheme", "X-Scheme", "X-Url-Scheme", "X-Forwarded-Ssl",
      "Front-End-Https", "X-Proxied-Https", "CF-Visitor", "X-Forwarded-Host", "X-Forwarded-Server", "X-Forwarded-Port",
      "X-Forwarded-Prefix", "X-Forwarded-Uri", "X-Forwarded-Path", "X-Forwarded-Method", "X-Original-Host",
      "WL-Proxy-SSL", "X-ARR-SSL", "CloudFront-Forwarded-Proto", "Fastly-SSL",
      // Its TLS client certificate (RFC 9440, Envoy, Traefik, Jetty, nginx conventions).
      "Client-Cert", "Client-Cert-Chain", "X-Forwarded-Client-Cert", "X-Forwarded-Tls-Client-Cert",
      "X-Forwarded-Tls-Client-Cert-Info", "X-SSL-Client-Cert", "X-SSL-Client-Verify", "X-SSL-Client-DN",
      "X-Client-Cert", "Proxy-Ssl-Id", "Proxy-Auth-Cert",
  };
  return names;
}

}  // namespace x402gw::upstream

namespace x402gw::upstream {

const std::vector<std::string_view>& override_headers() {
  static const std::vector<std::string_view> names = {
      "X-Original-URL",        "X-Rewrite-URL",     "X-Override-URL", "X-Original-URI",
      "X-HTTP-Method-Override", "X-HTTP-Method",    "X-Method-Override", "X-HTTP-Path-Override",
      // httpoxy: CGI-style servers make it HTTP_PROXY, the proxy of the upstream's own HTTP calls.
      "Proxy",
  };
  return names;
}

void remove_client_controlled(bhttp::fields& fields, const std::vector<std::string>& reserved) {
  erase_fields(fields, override_headers());
  // The upstream's word to the gateway on what an upto answer costs (pricing/settle_amount.hpp):
  // a client's field of that name is never handed to an upstream that might pass it back.
  erase_fields(fields, {"Settlement-Overrides"});
  erase_fields(fields, std::vector<std::string_view>(reserved.begin(), reserved.end()));
}

}  // namespace x402gw::upstream
