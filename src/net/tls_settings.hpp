#pragma once
// The TLS settings net's connections and listeners take. net owns these types; config builds them
// from the file (config/config.hpp, config/listener.hpp). Pure: no Asio, so config may include it
// without seeing the rest of net (the build exposes only this header and net/url.hpp to config).
#include <chrono>
#include <string>

namespace x402gw::net {

/// How a client-side TLS connection (to an upstream or facilitator) checks its peer.
struct TlsClient {
  std::string ca_file;              // extra CA bundle (PEM); empty: the system's
  bool insecure_skip_verify = false;
  std::string server_name;          // SNI and certificate name; empty: the URL's host
};

/// One certificate a TLS listener serves: PEM files, the leaf first in cert_file, then its chain.
struct CertificateFiles {
  std::string cert_file;
  std::string key_file;
};

/// The server side of TLS on one listener, apart from where its certificates come from.
struct ServerTlsSettings {
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds watch_interval{std::chrono::seconds(5)};  // how often file changes are looked for; 0: SIGHUP only
  std::chrono::milliseconds ticket_key_rotation{std::chrono::hours(12)};  // a ticket key seals for one period, opens for two
};

}  // namespace x402gw::net
