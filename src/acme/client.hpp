#pragma once
// The ACME client of one TLS listener: obtains its certificate, renews it at a fraction of its
// lifetime, retries failures with back-off, and keeps the account key and the certificate in
// state_dir so that a restart serves what it has instead of ordering again. It drives the pure
// OrderMachine over HTTPS; every network operation has a deadline.
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "acme/crypto.hpp"
#include "acme/order_machine.hpp"
#include "config/listener.hpp"
#include "net/acme_challenges.hpp"
#include "net/asio.hpp"

namespace x402gw::acme {

/// Keeps one listener's automatic certificate.
class CertificateManager {
 public:
  /// Reads or creates the account key; throws std::runtime_error at start-up when state_dir or
  /// ca_file cannot be used. `on_order(issued)` is told of every finished attempt; after a
  /// successful one the files are in place.
  CertificateManager(config::Acme settings, net::AcmeChallenges& challenges, std::function<void(bool issued)> on_order);

  /// Where the certificate chain and its key are kept (what the listener serves).
  config::CertificateFiles files() const;
  /// Runs until the executor stops: orders when there is no valid certificate, then renews.
  awaitable<void> run();

 private:
  struct HttpResult {
    unsigned status = 0;
    std::string location, nonce, body;
  };
  /// One HTTPS exchange; nullopt with `error` set when it failed in transport.
  awaitable<std::optional<HttpResult>> exchange(const std::string& method, const std::string& url, const std::string& body,
                                                std::string& error);
  /// A signed request, with a fresh nonce and a retry on badNonce.
  awaitable<std::optional<HttpResult>> signed_request(const Request& request, const std::string& nonce_url,
                                                      const std::string& kid, std::string& error);
  /// One whole order; the reason when it failed.
  awaitable<std::optional<std::string>> order();
  /// When the certificate on disk is due for renewal; nullopt when there is none usable.
  std::optional<std::chrono::system_clock::time_point> renewal_due() const;
  void publish(const Challenge& c);
  void retract(const Challenge& c);

  config::Acme settings_;
  net::AcmeChallenges& challenges_;
  std::function<void(bool)> on_order_;
  Key account_;
  std::unique_ptr<boost::asio::ssl::context> client_tls_;
  std::string nonce_;
};

}  // namespace x402gw::acme
