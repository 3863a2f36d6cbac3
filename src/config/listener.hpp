#pragma once
// What one `listen` entry configures: its address, and TLS with fixed or automatic (ACME)
// certificates, or a plain listener that redirects to https.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/url.hpp"
#include "net/tls_settings.hpp"

namespace YAML {
class Node;
}

namespace x402gw::config {

class YamlReader;

/// One certificate a TLS listener serves (PEM files): net's type, read from the file here.
using CertificateFiles = net::CertificateFiles;

/// Which ACME challenge proves control of the domains.
enum class AcmeChallenge { http_01, tls_alpn_01 };

/// Certificates obtained and renewed from an ACME server (RFC 8555).
struct Acme {
  std::vector<std::string> domains;      // the first names the certificate's files
  std::string email;                     // contact for the account; may be empty
  std::string directory;                 // the directory URL (https)
  std::string state_dir;                 // account key, certificate and key, kept across restarts
  std::string ca_file;                   // extra CA bundle for the directory's TLS; empty: the system's
  AcmeChallenge challenge = AcmeChallenge::http_01;
  double renew_fraction = 2.0 / 3.0;     // renew once this much of the lifetime has passed
  std::chrono::milliseconds retry_min{std::chrono::seconds(5)};   // back-off after a failed attempt, doubling
  std::chrono::milliseconds retry_max{std::chrono::hours(1)};
};

/// TLS on a listener: net's server settings (handshake timeout, file watch, ticket key rotation),
/// and where its certificates come from.
struct ListenTls : net::ServerTlsSettings {
  std::vector<CertificateFiles> certificates;  // the first one is served when no name matches the SNI
  std::optional<Acme> acme;                    // automatic certificates, served before the fixed ones for their names
};

/// One listening socket.
struct Listener {
  ListenAddress address;
  std::optional<ListenTls> tls;
  bool redirect_https = false;  // a plain listener that redirects every request to the https listener
  bool forward_auth = false;    // mode: forward_auth: an auth service for a proxy in front, never forwards
  std::string to_string() const { return address.to_string(); }
};

/// Reads one `listen` entry: "host:port", or a map {address, tls, redirect_https, proxy_protocol, mode}.
std::optional<Listener> read_listener(YamlReader& r, const YAML::Node& node, const std::string& path);

}  // namespace x402gw::config
