#include "config/listener.hpp"

#include <cstdlib>

#include "config/yaml_reader.hpp"

namespace x402gw::config {
namespace {

std::optional<ListenAddress> read_address(YamlReader& r, const YAML::Node& node, const std::string& path) {
  auto text = r.scalar(node, path);
  if (!text) return std::nullopt;
  std::string why;
  auto a = parse_listen_address(*text, &why);
  if (!a) r.error(node, path, why + ", got '" + *text + "'");
  return a;
}

std::optional<CertificateFiles> read_certificate(YamlReader& r, const YAML::Node& node, const std::string& path) {
  if (!r.expect_map(node, path, {"cert_file", "key_file"})) return std::nullopt;
  auto cert = r.string(node, "cert_file", path, true);
  auto key = r.string(node, "key_file", path, true);
  if (!cert || !key) return std::nullopt;
  return CertificateFiles{*cert, *key};
}

void read_acme(YamlReader& r, const YAML::Node& node, const std::string& path, Acme& a) {
  if (!r.expect_map(node, path, {"domains", "email", "directory", "state_dir", "ca_file", "challenge", "renew_fraction",
                                 "retry_min", "retry_max"}))
    return;
  const YAML::Node domains = node["domains"];
  if (!domains.IsDefined() || !domains.IsSequence() || domains.size() == 0) {
    r.error(domains.IsDefined() ? domains : node, YamlReader::join(path, "domains"),
            "acme.domains is a list of at least one DNS name, e.g. [api.example.com]");
  } else {
    for (size_t i = 0; i < domains.size(); ++i) {
      auto name = r.scalar(domains[i], YamlReader::index(YamlReader::join(path, "domains"), i));
      if (!name) continue;
      bool ok = !name->empty() && name->size() <= 253;
      for (char c : *name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) ok = false;
      if (!ok) r.error(domains[i], YamlReader::join(path, "domains"), "'" + *name + "' is not a DNS name (wildcards need DNS-01, which is not supported)");
      else a.domains.push_back(*name);
    }
  }
  if (auto v = r.string(node, "email", path)) a.email = *v;
  if (auto v = r.string(node, "directory", path, true)) {
    std::string why;
    auto url = parse_url(*v, &why);
    if (!url) r.error(node["directory"], YamlReader::join(path, "directory"), why);
    else if (!url->tls) r.error(node["directory"], YamlReader::join(path, "directory"), "the ACME directory must be an https URL");
    a.directory = *v;
  }
  if (auto v = r.string(node, "state_dir", path, true)) a.state_dir = *v;
  if (auto v = r.string(node, "ca_file", path)) a.ca_file = *v;
  if (auto v = r.string(node, "challenge", path)) {
    if (*v == "http-01") a.challenge = AcmeChallenge::http_01;
    else if (*v == "tls-alpn-01") a.challenge = AcmeChallenge::tls_alpn_01;
    else r.error(node["challenge"], YamlReader::join(path, "challenge"), "acme.challenge is 'http-01' or 'tls-alpn-01'");
  }
  if (auto v = r.string(node, "renew_fraction", path)) {
    char* end = nullptr;
    const double f = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0' || !(f > 0 && f < 1))
      r.error(node["renew_fraction"], YamlReader::join(path, "renew_fraction"), "renew_fraction is a number between 0 and 1, e.g. 0.66");
    else a.renew_fraction = f;
  }
  if (auto v = r.duration(node, "retry_min", path)) a.retry_min = *v;
  if (auto v = r.duration(node, "retry_max", path)) a.retry_max = *v;
  if (a.retry_min.count() <= 0 || a.retry_max < a.retry_min)
    r.error(node, path, "acme.retry_min must be positive and not above retry_max");
}

void read_tls(YamlReader& r, const YAML::Node& node, const std::string& path, ListenTls& t) {
  if (!r.expect_map(node, path, {"cert_file", "key_file", "certificates", "acme", "handshake_timeout", "watch_interval",
                                 "ticket_key_rotation"}))
    return;
  if (node["cert_file"].IsDefined() || node["key_file"].IsDefined()) {
    auto cert = r.string(node, "cert_file", path, true);
    auto key = r.string(node, "key_file", path, true);
    if (cert && key) t.certificates.push_back(CertificateFiles{*cert, *key});
  }
  if (const YAML::Node list = node["certificates"]; list.IsDefined()) {
    const std::string list_path = YamlReader::join(path, "certificates");
    if (!list.IsSequence()) r.error(list, list_path, "tls.certificates is a list of {cert_file, key_file}");
    else
      for (size_t i = 0; i < list.size(); ++i)
        if (auto c = read_certificate(r, list[i], YamlReader::index(list_path, i))) t.certificates.push_back(*c);
  }
  if (const YAML::Node acme = node["acme"]; acme.IsDefined()) {
    t.acme.emplace();
    read_acme(r, acme, YamlReader::join(path, "acme"), *t.acme);
  }
  if (t.certificates.empty() && !t.acme)
    r.error(node, path, "tls needs a certificate: cert_file and key_file, certificates: [{cert_file, key_file}], or acme");
  if (auto v = r.duration(node, "handshake_timeout", path)) t.handshake_timeout = *v;
  if (t.handshake_timeout.count() <= 0) r.error(node, path, "tls.handshake_timeout must be positive");
  if (auto v = r.duration(node, "watch_interval", path)) t.watch_interval = *v;
  if (auto v = r.duration(node, "ticket_key_rotation", path)) t.ticket_key_rotation = *v;
  if (t.ticket_key_rotation.count() <= 0) r.error(node, path, "tls.ticket_key_rotation must be positive");
}

}  // namespace

std::optional<Listener> read_listener(YamlReader& r, const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) {
    auto a = read_address(r, node, path);
    if (!a) return std::nullopt;
    return Listener{*a, std::nullopt, false};
  }
  if (!r.expect_map(node, path, {"address", "tls", "redirect_https", "proxy_protocol", "mode"})) return std::nullopt;
  if (!node["address"].IsDefined()) {
    r.error(node, path, "a listen entry needs an address, e.g. { address: \":8443\", tls: {...} }");
    return std::nullopt;
  }
  auto a = read_address(r, node["address"], YamlReader::join(path, "address"));
  if (!a) return std::nullopt;
  Listener l{*a, std::nullopt, false};
  if (const YAML::Node tls = node["tls"]; tls.IsDefined()) {
    l.tls.emplace();
    read_tls(r, tls, YamlReader::join(path, "tls"), *l.tls);
  }
  if (auto v = r.boolean(node, "redirect_https", path)) l.redirect_https = *v;
  if (auto v = r.boolean(node, "proxy_protocol", path)) l.address.proxy_protocol = *v;
  if (auto v = r.string(node, "mode", path)) {
    if (*v == "forward_auth") l.forward_auth = true;
    else if (*v != "proxy")
      r.error(node["mode"], YamlReader::join(path, "mode"), "mode is 'proxy' (the default: a reverse proxy) or 'forward_auth' (an auth service for nginx, Caddy, Traefik, Envoy)");
  }
  if (l.forward_auth && l.redirect_https)
    r.error(node["mode"], YamlReader::join(path, "mode"), "a forward_auth listener answers its proxy; it cannot also redirect_https");
  if (l.redirect_https && l.tls) r.error(node["redirect_https"], YamlReader::join(path, "redirect_https"), "redirect_https is for a plain listener, not one with tls");
  return l;
}

}  // namespace x402gw::config
