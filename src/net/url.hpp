#pragma once
// Where an outgoing connection goes: an absolute http(s) base URL. net owns the type (it connects
// to it); config parses it from the file (config/url.hpp). Pure: no Asio, so config may include it.
#include <cstdint>
#include <string>

namespace x402gw::net {

/// An http or https base URL.
struct Url {
  bool tls = false;
  std::string host;        // without brackets for IPv6
  uint16_t port = 0;
  std::string base_path;   // "" or "/prefix" (no trailing '/')

  /// "host:port" as the Host header wants it (brackets for IPv6, default port omitted).
  std::string host_header() const {
    std::string h = bracketed_host();
    if ((tls && port != 443) || (!tls && port != 80)) h += ":" + std::to_string(port);
    return h;
  }
  std::string scheme() const { return tls ? "https" : "http"; }
  std::string to_string() const { return scheme() + "://" + bracketed_host() + ":" + std::to_string(port) + base_path; }

 private:
  std::string bracketed_host() const { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }
};

}  // namespace x402gw::net
