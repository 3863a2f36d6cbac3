#include "app/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/resource.h>

#include "core/log.hpp"
#include "app/readiness.hpp"
#include "config/loader.hpp"
#include "facilitator/http_facilitator.hpp"
#include "http/admin.hpp"
#include "http/listener.hpp"
#include "http/session.hpp"

namespace x402gw::app {

using core::log_event;

namespace {

// Completion of a detached coroutine: whatever escaped it is logged, never dropped silently.
auto log_escape(const char* what) {
  return [what](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log_event("error", "a coroutine ended with an exception", {{"coroutine", what}, {"error", ex.what()}});
    } catch (...) {
      log_event("error", "a coroutine ended with an exception", {{"coroutine", what}});
    }
  };
}

}  // namespace

std::optional<std::string> check_tls_files(const config::Config& config) {
  net::TlsContexts scratch;
  try {
    for (const auto& u : config.upstreams)
      if (u.url.tls) scratch.get(u.tls);
    for (const auto& f : config.facilitators)
      if (f.url.tls) scratch.get(f.tls);
    // The listeners' fixed certificates (ACME's come later, and may be absent until then).
    for (const auto& l : config.listen)
      if (l.tls && !l.tls->certificates.empty()) {
        std::vector<net::CertificateSource> sources;
        for (const auto& files : l.tls->certificates) sources.push_back(net::CertificateSource{files, false});
        net::ServerTls check(*l.tls, std::move(sources), nullptr);
      }
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

Server::Server(config::ConfigPtr config, std::string config_path) : config_path_(std::move(config_path)) {
  const std::string& destination = config->access_log;
  std::FILE* out = nullptr;
  if (destination == "stdout") out = stdout;
  else if (destination == "stderr") out = stderr;
  else if (destination != "off") out = access_file_ = std::fopen(destination.c_str(), "a");
  if (destination != "off" && !out) log_event("error", "cannot open the access log; it is off", {{"path", destination}});
  challenge_limiter_ = std::make_unique<payment::MemoryChallengeLimiter>(config->limits.challenges_per_second, config->limits.challenge_burst);
  replay_store_.set_max_payments(config->state.max_payments);  // its memory bound, fixed at start
  state_.challenge_limiter = challenge_limiter_.get();
  state_.loaded_config.store(config);
  state_.config.store(std::move(config));
  access_log_ = std::make_unique<metrics::AccessLog>(out);
  state_.access_log = access_log_.get();
  state_.metrics = &metrics_;
  state_.replay_store = &replay_store_;
  replay_store_.count_in(&metrics_);
  state_.breakers = &breakers_;
  state_.pricers = &pricers_;
  state_.identifiers = &identifiers_;
  state_.acme_challenges = &acme_challenges_;
  state_.reload = [this] { return reload(); };
}

Server::~Server() {
  if (access_file_) std::fclose(access_file_);
}

asio::io_context& Server::next_context() {
  return workers_[next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size()]->ioc;
}

namespace {

// Raises the soft limit on open files to the hard one (systemd and containers often leave the
// soft one at 1024); returns the soft limit in force, 0 if unknown.
uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? 0 : static_cast<uint64_t>(limit.rlim_cur);
}

}  // namespace

void Server::start_listeners() {
  auto config = state_.current();
  // Client connections are capped where descriptors would run out, whatever limits.max_connections says.
  if (const uint64_t descriptors = raise_descriptor_limit(); descriptors > 0) {
    state_.connection_budget = http::connection_budget(descriptors);
    if (state_.connection_budget < config->limits.max_connections)
      log_event("warn", "limits.max_connections is more than the open-file limit allows; client connections are capped lower",
                {{"max_connections", config->limits.max_connections}, {"open_files", descriptors}, {"cap", state_.connection_budget}});
  }
  Worker& main = *workers_.front();
  auto open = [&](const config::ListenAddress& address, const char* name, bool admin, const http::ListenerInfo* info) {
    auto acceptor = std::make_unique<net::Acceptor>(http::open_acceptor(main.ioc, address.host, address.port));
    auto bound = acceptor->local_endpoint();
    log_event("info", "listening", {{"listener", name}, {"address", bound.address().to_string() + ":" + std::to_string(bound.port())}, {"port", bound.port()}});
    if (info && info->tls && state_.https_port.load() == 0) state_.https_port.store(bound.port());
    net::Acceptor& ref = *acceptor;
    acceptors_.push_back(std::move(acceptor));
    if (admin) {
      asio::co_spawn(main.ioc,
                     http::accept_loop(ref, [&main]() -> asio::io_context& { return main.ioc; },
                                       [this](net::Socket s) {
                                         http::ConnectionSlot slot = http::admit_admin_connection(s, state_);
                                         if (!slot) return;
                                         // The slot lives in the frame as long as the session.
                                         auto session = [](net::Socket s, http::ConnectionSlot, http::ServerState& state) -> awaitable<void> {
                                           co_await http::run_admin_session(std::move(s), state);
                                         };
                                         asio::co_spawn(s.get_executor(), session(std::move(s), std::move(slot), state_), log_escape("admin session"));
                                       }),
                     asio::detached);
      return;
    }
    asio::co_spawn(main.ioc,
                   http::accept_loop(ref, [this]() -> asio::io_context& { return next_context(); },
                                     [this, info](net::Socket s) {
                                       // The limits first: a refused connection is closed here, unread.
                                       http::ConnectionSlot slot = http::admit_connection(s, state_, info->tls != nullptr);
                                       if (!slot) return;
                                       // The socket lives on the worker chosen above; find its context.
                                       auto executor = s.get_executor();
                                       for (auto& w : workers_)
                                         if (executor == w->ioc.get_executor()) {
                                           asio::co_spawn(w->ioc, http::run_session(std::move(s), std::move(slot), state_, w->context, *info),
                                                          log_escape("session"));
                                           return;
                                         }
                                     }),
                   asio::detached);
  };
  // TLS listeners first, so that a redirecting listener knows the https port before it serves.
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < config->listen.size(); ++i) {
      const http::ListenerInfo* info = listener_info_[i].get();
      if ((info->tls != nullptr) != (pass == 0)) continue;
      const char* name = info->forward_auth ? "auth" : info->tls ? "tls" : info->redirect_https ? "redirect" : "main";
      open(config->listen[i].address, name, false, info);
    }
  if (config->admin_listen) open(*config->admin_listen, "admin", true, nullptr);
}

void Server::load_certificates() {
  auto config = state_.current();
  for (const auto& listener : config->listen) {
    std::unique_ptr<net::ServerTls> tls;
    if (listener.tls) {
      std::vector<net::CertificateSource> sources;
      if (listener.tls->acme) {
        const size_t index = tls_.size();
        acme_.push_back(std::make_unique<acme::CertificateManager>(*listener.tls->acme, acme_challenges_, [this, index](bool issued) {
          metrics_.acme_order(issued);
          if (issued) reload_certificate(index);
        }));
        // Absent until the first certificate is issued; it comes first so its names win.
        sources.push_back(net::CertificateSource{acme_.back()->files(), true});
      }
      for (const auto& files : listener.tls->certificates) sources.push_back(net::CertificateSource{files, false});
      tls = std::make_unique<net::ServerTls>(*listener.tls, std::move(sources), &acme_challenges_);
    }
    if (tls && tls->current()->earliest_expiry() > 0) metrics_.certificate_expiry(listener.to_string(), tls->current()->earliest_expiry());
    listener_info_.push_back(std::make_unique<http::ListenerInfo>(http::ListenerInfo{tls.get(), listener.redirect_https, listener.address.proxy_protocol, listener.forward_auth}));
    tls_.push_back(std::move(tls));
  }
}

void Server::reload_certificates(bool only_changed) {
  for (size_t i = 0; i < tls_.size(); ++i)
    if (tls_[i] && (!only_changed || tls_[i]->files_changed())) reload_certificate(i);
}

void Server::reload_certificate(size_t i) {
  {
    net::ServerTls* tls = tls_[i].get();
    auto config = state_.current();
    const std::string listener = i < config->listen.size() ? config->listen[i].to_string() : std::to_string(i);
    if (auto problem = tls->reload()) {
      metrics_.certificate_reload(false);
      log_event("error", "certificate reload failed: the running certificates stay", {{"listener", listener}, {"error", *problem}});
    } else {
      metrics_.certificate_reload(true);
      if (tls->current()->earliest_expiry() > 0) metrics_.certificate_expiry(listener, tls->current()->earliest_expiry());
      log_event("info", "certificates reloaded", {{"listener", listener}, {"certificates", tls->current()->size()}});
    }
  }
}

void Server::watch_certificate_files() {
  std::chrono::milliseconds interval{0};
  for (const auto& tls : tls_)
    if (tls && tls->settings().watch_interval.count() > 0 && (interval.count() == 0 || tls->settings().watch_interval < interval))
      interval = tls->settings().watch_interval;
  if (interval.count() == 0) return;
  // On the main worker, like SIGHUP: reloads never run concurrently.
  asio::co_spawn(
      workers_.front()->ioc,
      [this, interval]() -> awaitable<void> {
        net::Timer timer(co_await asio::this_coro::executor);
        while (!stopping_) {
          timer.expires_after(interval);
          co_await timer.async_wait(use_nothrow);
          if (!stopping_) reload_certificates(true);
        }
      },
      log_escape("certificate watch"));
}

std::string Server::reload() {
  auto result = config::load_config_file(config_path_, config::process_environment());
  // A TLS file that cannot be read fails the reload, not every later request.
  if (result.config) {
    if (auto problem = check_tls_files(*result.config)) {
      result.errors.push_back(config::Diagnostic{0, 0, "", *problem});
      result.config.reset();
    }
  }
  if (!result.config) {
    metrics_.reload(false);
    log_event("error", "reload rejected: the running configuration stays", {{"errors", result.report()}});
    return result.report();
  }
  auto current = state_.current();
  if (result.config->listen.size() != current->listen.size() || result.config->threads != current->threads ||
      result.config->access_log != current->access_log)
    log_event("warn", "listeners, threads and access_log change only on restart");
  std::string hash = result.config->hash;
  state_.challenge_limiter->configure(result.config->limits.challenges_per_second, result.config->limits.challenge_burst);
  // Completed at once from the last known /supported answers; the readiness round woken below asks again.
  config::ConfigPtr loaded = std::move(result.config);
  config::ConfigPtr completed = completed_config(loaded, nullptr, supported_cache_.answers_for(*loaded));
  if (loaded->state.store != current->state.store || loaded->state.redis.to_string() != current->state.redis.to_string() ||
      loaded->state.key_prefix != current->state.key_prefix || loaded->state.max_payments != current->state.max_payments)
    log_event("warn", "the state store (store, url, key_prefix, max_payments) changes only on restart");
  state_.loaded_config.store(loaded);
  state_.config.store(completed ? completed : loaded);
  metrics_.reload(true);
  log_event("info", "configuration reloaded", {{"config_hash", hash}});
  if (readiness_wake_) readiness_wake_->cancel();
  return {};
}

void Server::drain() {
  if (stopping_) return;
  stopping_ = true;
  state_.draining.store(true);
  for (auto& a : acceptors_) {
    error_code ignored;
    a->close(ignored);
  }
  if (readiness_wake_) readiness_wake_->cancel();
  if (reconciler_) reconciler_->stop();
  // Idle keep-alive connections carry no request: close them now, each on its own worker thread.
  for (auto& w : workers_)
    asio::post(w->ioc, [context = &w->context] {
      for (auto* client : context->idle_clients) {
        error_code ignored;
        client->cancel(ignored);
      }
    });
  auto config = state_.current();
  auto grace = config->timeouts.drain;
  // A /settle in flight at the deadline is let run to its own timeout: destroyed, its outcome would
  // be lost; ended, an unanswered one is journaled and marked unknown in the store.
  std::chrono::milliseconds settle_grace{1000};
  for (const auto& f : config->facilitators) settle_grace += f.timeout;
  log_event("info", "draining", {{"in_flight", state_.in_flight.load()}, {"grace_ms", grace.count()}});
  Worker& main = *workers_.front();
  asio::co_spawn(
      main.ioc,
      [this, grace, settle_grace]() -> awaitable<void> {
        const auto started = std::chrono::steady_clock::now();
        auto deadline = started + grace;
        net::Timer timer(co_await asio::this_coro::executor);
        auto waiting = [&] {
          if (state_.in_flight.load() == 0) return false;
          const auto now = std::chrono::steady_clock::now();
          return now < deadline || (reconciler_ && reconciler_->settling() > 0 && now < deadline + settle_grace);
        };
        while (waiting()) {
          timer.expires_after(std::chrono::milliseconds(20));
          co_await timer.async_wait(use_nothrow);
        }
        log_event("info", "stopped", {{"unfinished", state_.in_flight.load()},
                                      {"settling", reconciler_ ? reconciler_->settling() : size_t{0}}});
        for (auto& w : workers_) w->ioc.stop();
      },
      asio::detached);
}

void Server::start_reconciler() {
  auto config = state_.current();
  payment::JournalContents loaded;
  if (!config->state.dir.empty()) {
    journal_ = std::make_unique<payment::SettlementJournal>(config->state.dir, loaded);
    // A /settle in flight when the last process died: an unknown outcome now, reconciled below.
    const size_t recovered = payment::recover_settle_intents(config->state.dir, *journal_, loaded);
    intents_ = std::make_unique<payment::SettleIntents>(config->state.dir);
    state_.intents = intents_.get();
    log_event("info", "settlement journal open",
              {{"path", journal_->path()}, {"unknown_outcomes", loaded.open.size()}, {"unreadable_lines", loaded.bad_lines},
               {"from_settle_intents", recovered}});
  } else {
    log_event("warn", "state.dir is not set: settlements with an unknown outcome are not journaled and a restart forgets them");
  }
  // The store requests use (memory, or Redis with state.store: redis): resolutions and restored
  // outcomes must reach the entries requests read.
  reconciler_ = std::make_unique<payment::Reconciler>(journal_.get(), *state_.replay_store, &metrics_);
  state_.reconciler = reconciler_.get();

  // The journal's unknown outcomes are back in the replay store before the first request is read.
  Worker& main = *workers_.front();
  bool restored = false;
  asio::co_spawn(main.ioc, reconciler_->restore(std::move(loaded.open)), [&restored](std::exception_ptr e) {
    restored = true;
    if (e) std::rethrow_exception(e);
  });
  while (!restored) main.ioc.run_one();
  main.ioc.restart();

  // A facilitator by name, from the configuration live at the time of asking (kept alive with it).
  struct Held {
    config::ConfigPtr config;
    facilitator::HttpFacilitator client;
    Held(config::ConfigPtr c, const config::Facilitator& f, net::WorkerContext& w, metrics::GatewayMetrics* m)
        : config(std::move(c)), client(f, w, m) {}
  };
  payment::Reconciler::FacilitatorFor facilitator_for = [this, &main](const std::string& name) -> std::shared_ptr<facilitator::Facilitator> {
    config::ConfigPtr live = state_.current();
    for (const auto& f : live->facilitators)
      if (f.name == name) {
        auto held = std::make_shared<Held>(live, f, main.context, &metrics_);
        return std::shared_ptr<facilitator::Facilitator>(held, &held->client);
      }
    return nullptr;
  };
  // The node `chains:` names for an EVM network: where a payment's landing is proven.
  struct HeldChain {
    config::ConfigPtr config;
    payment::EvmRpc rpc;
    HeldChain(config::ConfigPtr c, const config::Chain& chain, net::WorkerContext& w) : config(std::move(c)), rpc(chain, w) {}
  };
  payment::Reconciler::ChainFor chain_for = [this, &main](const std::string& network) -> std::shared_ptr<payment::EvmRpc> {
    config::ConfigPtr live = state_.current();
    const config::Chain* chain = live->chain_for(network);
    if (!chain) return nullptr;
    auto held = std::make_shared<HeldChain>(live, *chain, main.context);
    return std::shared_ptr<payment::EvmRpc>(held, &held->rpc);
  };
  asio::co_spawn(main.ioc, reconciler_->run(std::move(facilitator_for), std::move(chain_for)), log_escape("reconciler"));
}

void Server::watch_signals() {
  // A coroutine on the main worker: it ends with the io_context, owning nothing beyond it.
  asio::co_spawn(
      workers_.front()->ioc,
      [this]() -> awaitable<void> {
        asio::signal_set signals(co_await asio::this_coro::executor, SIGTERM, SIGINT, SIGHUP);
        for (;;) {
          auto [ec, signal] = co_await signals.async_wait(use_nothrow);
          if (ec) co_return;
          if (signal == SIGHUP) {
            (void)reload();
            reload_certificates(false);
          }
          else drain();
        }
      },
      asio::detached);
}

int Server::run() {
  auto config = state_.current();
  const int threads = std::max(1, config->threads);
  for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());

  // Shared payment state: a connection per worker, made before any session can reach the store.
  if (config->state.store == config::StateStore::redis) {
    redis_state_ = std::make_unique<state::RedisState>(config->state, &metrics_, config->limits.challenges_per_second,
                                                       config->limits.challenge_burst);
    for (auto& w : workers_) redis_state_->attach(w->ioc);
    state_.replay_store = &redis_state_->replay_store();
    state_.challenge_limiter = &redis_state_->challenge_limiter();
    state_.state_problem = [s = redis_state_.get()] { return s->problem(); };
    log_event("info", "payment state is shared in Redis", {{"redis", config->state.redis.to_string()}, {"key_prefix", config->state.key_prefix}});
  }

  try {
    // Fail at start-up, not on the first request, when a CA file is unreadable.
    for (auto& w : workers_) {
      for (const auto& u : config->upstreams)
        if (u.url.tls) w->context.tls.get(u.tls);
      for (const auto& f : config->facilitators)
        if (f.url.tls) w->context.tls.get(f.tls);
    }
    start_reconciler();
    load_certificates();
    start_listeners();
  } catch (const std::exception& e) {
    log_event("error", e.what());
    return 1;
  }
  watch_signals();
  watch_certificate_files();
  for (auto& manager : acme_) asio::co_spawn(workers_.front()->ioc, manager->run(), log_escape("acme"));
  readiness_wake_ = std::make_unique<net::Timer>(workers_.front()->ioc);
  asio::co_spawn(workers_.front()->ioc,
                 readiness_loop(state_, supported_cache_, workers_.front()->context, &metrics_, *readiness_wake_), log_escape("readiness"));
  log_event("info", "started", {{"threads", threads}, {"routes", config->routes.size()}, {"config_hash", config->hash}});

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& w : workers_) guards.emplace_back(w->ioc.get_executor());
  // A worker's last access log lines are written when its loop ends, stopped or not.
  for (size_t i = 1; i < workers_.size(); ++i)
    workers_[i]->thread = std::thread([this, w = workers_[i].get()] {
      w->ioc.run();
      access_log_->flush_thread();
    });
  workers_.front()->ioc.run();
  access_log_->flush_thread();
  for (size_t i = 1; i < workers_.size(); ++i) workers_[i]->thread.join();
  readiness_wake_.reset();
  acceptors_.clear();
  state_.state_problem = nullptr;
  // What the stopped loops still hold (sessions, paid flows and their claims) is destroyed now,
  // while the Redis state their claims end through is alive; the loops themselves go last.
  for (auto& w : workers_) w->ioc.shut_down();
  redis_state_.reset();
  return 0;
}

}  // namespace x402gw::app
