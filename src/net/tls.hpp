#pragma once
// Client-side TLS contexts, one per distinct trust setting, owned by a worker thread.
#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <string>

#include "net/tls_settings.hpp"

namespace x402gw::net {

/// Lazily built SSL contexts for outgoing connections (upstreams, facilitators).
class TlsContexts {
 public:
  /// The context for a trust setting; throws std::runtime_error when a CA file cannot be read
  /// (checked at start-up, so it does not happen on the data path).
  boost::asio::ssl::context& get(const TlsClient& tls);

 private:
  std::map<std::string, std::unique_ptr<boost::asio::ssl::context>> contexts_;
};

}  // namespace x402gw::net
