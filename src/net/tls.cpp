#include "net/tls.hpp"

#include <stdexcept>

namespace x402gw::net {

boost::asio::ssl::context& TlsContexts::get(const TlsClient& tls) {
  std::string key = tls.ca_file + (tls.insecure_skip_verify ? "|insecure" : "|verify");
  auto& slot = contexts_[key];
  if (!slot) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (!tls.ca_file.empty()) {
      ctx->load_verify_file(tls.ca_file, ec);
      if (ec) throw std::runtime_error("cannot load CA file " + tls.ca_file + ": " + ec.message());
    }
    ctx->set_verify_mode(tls.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
    slot = std::move(ctx);
  }
  return *slot;
}

}  // namespace x402gw::net
