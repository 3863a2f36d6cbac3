#pragma once
// The server side of TLS for one listener: its certificates (chosen by SNI), TLS 1.2 and 1.3 with
// a modern cipher list, ALPN http/1.1, rotated session ticket keys, and reloads that never drop a
// connection: a reload builds a new CertificateSet; new handshakes start from it while every
// existing connection keeps the set it started with (it holds a shared pointer).
#include <boost/asio/ssl/context.hpp>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "net/acme_challenges.hpp"
#include "net/asio.hpp"
#include "net/ticket_keys.hpp"
#include "net/tls_settings.hpp"

namespace x402gw::net {

/// A certificate file pair and whether it may be absent (ACME's, before the first issuance).
struct CertificateSource {
  CertificateFiles files;
  bool optional = false;
};

/// The certificates of a listener as loaded at one moment.
class CertificateSet {
 public:
  /// Loads every source; throws std::runtime_error naming the file that failed.
  CertificateSet(const std::vector<CertificateSource>& sources, std::shared_ptr<TicketKeys> tickets, AcmeChallenges* challenges);
  CertificateSet(const CertificateSet&) = delete;
  CertificateSet& operator=(const CertificateSet&) = delete;

  /// The context every handshake starts from; the ClientHello picks the certificate.
  boost::asio::ssl::context& base() { return *base_; }
  /// How many certificates were loaded (sources that were absent and optional are not).
  size_t size() const { return entries_.size(); }
  /// The earliest notAfter (unix seconds) of the certificates loaded, 0 when none.
  int64_t earliest_expiry() const { return earliest_expiry_; }

 private:
  struct Entry {
    std::vector<std::string> names;  // DNS names of the certificate (SAN, else CN), lower case
    std::unique_ptr<boost::asio::ssl::context> context;
  };
  static int on_client_hello(SSL* ssl, int* alert, void* arg);

  std::unique_ptr<boost::asio::ssl::context> base_;
  std::vector<Entry> entries_;
  int64_t earliest_expiry_ = 0;
  std::shared_ptr<TicketKeys> tickets_;
  AcmeChallenges* challenges_;
};

/// One TLS listener's certificates, reloadable.
class ServerTls {
 public:
  /// Loads the certificates; throws std::runtime_error at start-up when one cannot be loaded.
  ServerTls(const ServerTlsSettings& settings, std::vector<CertificateSource> sources, AcmeChallenges* challenges);

  /// The set new handshakes use; a connection keeps it for its lifetime.
  std::shared_ptr<CertificateSet> current() const { return current_.load(std::memory_order_acquire); }
  /// Loads every file again; on failure the running set stays and the reason is returned.
  std::optional<std::string> reload();
  /// Whether a file changed (mtime, size or presence) since the last successful load.
  bool files_changed() const;

  const ServerTlsSettings& settings() const { return settings_; }

 private:
  struct FileState {
    bool present = false;
    timespec mtime{};
    off_t size = 0;
    bool operator==(const FileState& o) const {
      return present == o.present && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec && size == o.size;
    }
  };
  std::vector<FileState> snapshot() const;

  ServerTlsSettings settings_;
  std::vector<CertificateSource> sources_;
  AcmeChallenges* challenges_;
  std::shared_ptr<TicketKeys> tickets_;
  std::atomic<std::shared_ptr<CertificateSet>> current_;
  std::vector<FileState> loaded_;
};

/// Why a handshake failed, as a bounded metric label: timeout, closed, protocol_version,
/// no_shared_cipher, plain_http, unknown_name, client_alert, other.
std::string_view handshake_failure_reason(const error_code& ec);

}  // namespace x402gw::net
