#pragma once
// The process: worker threads (one io_context each), listeners, signals, reload and drain.
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "acme/client.hpp"
#include "config/config.hpp"
#include <boost/asio/steady_timer.hpp>
#include <cstdio>

#include "app/readiness.hpp"
#include "facilitator/breakers.hpp"
#include "pricer/pricers.hpp"
#include "http/server_state.hpp"
#include "http/session.hpp"
#include "net/acme_challenges.hpp"
#include "net/server_tls.hpp"
#include "metrics/access_log.hpp"
#include "metrics/gateway_metrics.hpp"
#include "payment/evm_rpc.hpp"
#include "payment/memory_replay_store.hpp"
#include "payment/payment_identifiers.hpp"
#include "payment/reconciler.hpp"
#include "payment/settlement_journal.hpp"
#include "payment/settle_intents.hpp"
#include "payment/challenge_limiter.hpp"
#include "state/redis_state.hpp"
#include "net/asio.hpp"
#include "net/worker_context.hpp"

namespace x402gw::app {

/// Whether every CA file the configuration's TLS clients name can be loaded; the reason if not.
std::optional<std::string> check_tls_files(const config::Config& config);

/// Runs the gateway until SIGTERM/SIGINT.
class Server {
 public:
  Server(config::ConfigPtr config, std::string config_path);
  ~Server();

  /// Binds, serves, drains on a stop signal; returns the process exit code.
  int run();

 private:
  /// An io_context whose services (and the handlers and coroutines they hold) can be shut down
  /// before it is destroyed, so that what they hold ends while the objects it uses still exist.
  struct Loop : asio::io_context {
    using asio::io_context::io_context;
    void shut_down() { shutdown(); }
  };
  struct Worker {
    Loop ioc{1};
    net::WorkerContext context;
    std::thread thread;
  };

  asio::io_context& next_context();
  void start_listeners();
  void watch_signals();
  /// Builds the certificates of every TLS listener; throws at start-up when one cannot load.
  void load_certificates();
  /// Reloads the certificates of every TLS listener (SIGHUP), or only those whose files
  /// changed; a failure keeps the running certificates.
  void reload_certificates(bool only_changed);
  void watch_certificate_files();
  /// Reloads the certificates of the TLS listener at `index` of config.listen.
  void reload_certificate(size_t index);
  /// Re-reads the file; returns the error report (empty: the new configuration is live).
  std::string reload();
  void drain();
  /// Opens the settlement journal, puts its unknown outcomes back in the replay store and starts
  /// reconciling them; throws when the journal cannot be opened (start-up).
  void start_reconciler();

  std::string config_path_;
  http::ServerState state_;
  metrics::GatewayMetrics metrics_;
  payment::MemoryReplayStore replay_store_;
  facilitator::Breakers breakers_;
  pricer::Pricers pricers_;
  SupportedCache supported_cache_;
  payment::PaymentIdentifiers identifiers_;
  std::unique_ptr<payment::SettlementJournal> journal_;  // null: state.dir is not set
  std::unique_ptr<payment::SettleIntents> intents_;      // null: state.dir is not set
  std::unique_ptr<payment::Reconciler> reconciler_;
  std::unique_ptr<payment::ChallengeLimiter> challenge_limiter_;  // state: memory
  std::FILE* access_file_ = nullptr;  // owned when access_log names a file
  std::unique_ptr<metrics::AccessLog> access_log_;
  net::AcmeChallenges acme_challenges_;
  // One per entry of config.listen, in order: TLS (null for plain listeners) and what sessions see.
  std::vector<std::unique_ptr<net::ServerTls>> tls_;
  std::vector<std::unique_ptr<http::ListenerInfo>> listener_info_;
  std::vector<std::unique_ptr<acme::CertificateManager>> acme_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Objects bound to a worker's io_context come after workers_: they must be destroyed first.
  std::vector<std::unique_ptr<net::Acceptor>> acceptors_;
  std::unique_ptr<net::Timer> readiness_wake_;
  std::unique_ptr<state::RedisState> redis_state_;  // state: redis; its connections live on the workers
  std::atomic<size_t> next_worker_{0};
  bool stopping_ = false;
};

}  // namespace x402gw::app
