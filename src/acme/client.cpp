#include "acme/client.hpp"

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "acme/files.hpp"
#include "acme/jws.hpp"
#include "config/url.hpp"
#include "core/log.hpp"
#include "net/bounded_read.hpp"

namespace x402gw::acme {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr auto kExchangeTimeout = 30s;

std::string domains_line(const std::vector<std::string>& domains) {
  std::string out;
  for (const auto& d : domains) out += d + "\n";
  return out;
}

}  // namespace

CertificateManager::CertificateManager(config::Acme settings, net::AcmeChallenges& challenges, std::function<void(bool)> on_order)
    : settings_(std::move(settings)), challenges_(challenges), on_order_(std::move(on_order)), account_(Key::generate()) {
  std::error_code ec;
  fs::create_directories(settings_.state_dir, ec);
  if (ec) throw std::runtime_error("cannot create acme.state_dir " + settings_.state_dir + ": " + ec.message());
  const fs::path key_path = fs::path(settings_.state_dir) / "account.key";
  if (auto pem = read_whole_file(key_path)) {
    auto key = Key::from_pem(*pem);
    if (!key) throw std::runtime_error(key_path.string() + " is not a P-256 private key");
    account_ = *key;
  } else {
    write_file_atomically(key_path, account_.to_pem(), 0600);
  }
  // Before the listener loads it: a pair that does not match would stop the gateway from starting.
  std::string why;
  if (check_stored_pair(settings_.state_dir, &why) == StoredPair::set_aside)
    core::log_event("warn", "acme: the stored certificate is not usable; a new one will be ordered",
                    {{"domains", settings_.domains}, {"reason", why}});
  namespace ssl = boost::asio::ssl;
  client_tls_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  client_tls_->set_options(ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  error_code ignored;
  client_tls_->set_default_verify_paths(ignored);
  if (!settings_.ca_file.empty()) {
    error_code load;
    client_tls_->load_verify_file(settings_.ca_file, load);
    if (load) throw std::runtime_error("cannot load acme.ca_file " + settings_.ca_file + ": " + load.message());
  }
  client_tls_->set_verify_mode(ssl::verify_peer);
}

config::CertificateFiles CertificateManager::files() const {
  const fs::path dir(settings_.state_dir);
  // One file holds both, so that the listener never loads a key with another certificate.
  const std::string pair = pair_path(dir).string();
  return {pair, pair};
}

std::optional<std::chrono::system_clock::time_point> CertificateManager::renewal_due() const {
  // A certificate for other names than the configured ones is ordered again.
  if (read_whole_file(fs::path(settings_.state_dir) / "domains") != domains_line(settings_.domains)) return std::nullopt;
  auto pem = read_whole_file(pair_path(settings_.state_dir));
  if (!pem || !certificate_matches_key(*pem, *pem)) return std::nullopt;
  auto validity = certificate_validity(*pem);
  if (!validity) return std::nullopt;
  return renewal_time(*validity, settings_.renew_fraction);
}

awaitable<void> CertificateManager::run() {
  auto executor = co_await asio::this_coro::executor;
  net::Timer timer(executor);
  auto backoff = settings_.retry_min;
  for (;;) {
    const auto due = renewal_due();
    const auto now = std::chrono::system_clock::now();
    if (due && *due > now) {
      // Sleep in bounded steps: the system clock may jump while the steady timer runs.
      const auto wait = std::min<std::chrono::system_clock::duration>(*due - now, std::chrono::hours(1));
      timer.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(wait) + 1ms);
      auto [ec] = co_await timer.async_wait(use_nothrow);
      if (ec) co_return;
      continue;
    }
    core::log_event("info", "acme: ordering a certificate", {{"domains", settings_.domains}, {"renewal", due.has_value()}});
    std::optional<std::string> failure;
    try {
      failure = co_await order();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure) {
      backoff = settings_.retry_min;
      core::log_event("info", "acme: certificate issued", {{"domains", settings_.domains}});
      on_order_(true);
      continue;
    }
    core::log_event("warn", "acme: the order failed; retrying later",
                    {{"domains", settings_.domains}, {"error", *failure}, {"retry_ms", backoff.count()}});
    on_order_(false);
    timer.expires_after(backoff);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
    backoff = std::min(backoff * 2, settings_.retry_max);
  }
}

void CertificateManager::publish(const Challenge& c) {
  if (c.type == config::AcmeChallenge::http_01) {
    challenges_.set_http(c.token, c.key_authorization);
  } else {
    const Key key = Key::generate();
    const std::string cert = make_tls_alpn_certificate(key, c.domain, c.key_authorization);
    challenges_.set_tls_alpn(c.domain, net::make_tls_alpn_context(cert, key.to_pem()));
  }
}

void CertificateManager::retract(const Challenge& c) {
  if (c.type == config::AcmeChallenge::http_01) challenges_.clear_http(c.token);
  else challenges_.clear_tls_alpn(c.domain);
}

awaitable<std::optional<std::string>> CertificateManager::order() {
  const Key certificate_key = Key::generate();
  OrderMachine machine(settings_.directory, settings_.domains, settings_.email, settings_.challenge, account_.thumbprint(),
                       make_csr_der(certificate_key, settings_.domains));
  auto executor = co_await asio::this_coro::executor;
  net::Timer timer(executor);
  for (;;) {
    Action action = machine.next();
    switch (action.kind) {
      case Action::Kind::send: {
        std::string error;
        std::optional<HttpResult> result;
        if (action.request.get) {
          const std::string empty;
          result = co_await exchange("GET", action.request.url, empty, error);
        } else {
          const std::string kid = action.request.with_jwk ? std::string{} : machine.account_url();
          result = co_await signed_request(action.request, machine.nonce_url(), kid, error);
        }
        if (!result) {
          // Take a published challenge down before giving up on this attempt.
          machine.on_response(Response{599, {}, error});
          continue;
        }
        machine.on_response(Response{result->status, result->location, result->body});
        break;
      }
      case Action::Kind::publish: publish(action.challenge); break;
      case Action::Kind::retract: retract(action.challenge); break;
      case Action::Kind::wait: {
        timer.expires_after(action.delay);
        co_await timer.async_wait(use_nothrow);
        break;
      }
      case Action::Kind::fail: co_return action.text;
      case Action::Kind::done: {
        const fs::path dir(settings_.state_dir);
        // The key and its chain in one file, replaced by one rename; then the names it covers (a
        // crash between the two leaves names that do not match, which orders again).
        write_file_atomically(pair_path(dir), certificate_key.to_pem() + action.text, 0600);
        write_file_atomically(dir / "domains", domains_line(settings_.domains), 0644);
        co_return std::nullopt;
      }
    }
  }
}

awaitable<std::optional<CertificateManager::HttpResult>> CertificateManager::signed_request(const Request& request,
                                                                                            const std::string& nonce_url,
                                                                                            const std::string& kid,
                                                                                            std::string& error) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (nonce_.empty()) {
      const std::string empty;
      auto fresh = co_await exchange("HEAD", nonce_url, empty, error);
      if (!fresh) co_return std::nullopt;
      nonce_ = fresh->nonce;
      if (nonce_.empty()) {
        error = "the ACME server gave no nonce";
        co_return std::nullopt;
      }
    }
    const std::string body = sign_request(account_, request.url, nonce_, request.payload, kid);
    nonce_.clear();
    auto result = co_await exchange("POST", request.url, body, error);
    if (!result) co_return std::nullopt;
    nonce_ = result->nonce;
    // A rejected nonce is the one error the protocol says to retry at once (RFC 8555 6.5).
    if (result->status == 400 && result->body.find("urn:ietf:params:acme:error:badNonce") != std::string::npos) continue;
    co_return result;
  }
  error = "the ACME server rejected three nonces in a row";
  co_return std::nullopt;
}

awaitable<std::optional<CertificateManager::HttpResult>> CertificateManager::exchange(const std::string& method, const std::string& url,
                                                                                      const std::string& body, std::string& error) {
  std::string why;
  auto parsed = config::parse_url(url, &why);
  if (!parsed || !parsed->tls) {
    error = "not an https URL: " + url;
    co_return std::nullopt;
  }
  auto executor = co_await asio::this_coro::executor;
  net::Resolver resolver(executor);
  const std::string port = std::to_string(parsed->port);
  auto [rec, endpoints] = co_await resolver.async_resolve(parsed->host, port, use_nothrow);
  if (rec) {
    error = "cannot resolve " + parsed->host + ": " + rec.message();
    co_return std::nullopt;
  }
  asio::ssl::stream<net::TcpStream> stream(executor, *client_tls_);
  beast::get_lowest_layer(stream).expires_after(kExchangeTimeout);  // one deadline for the whole exchange
  auto [cec, connected] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_nothrow);
  if (cec) {
    error = "cannot connect to " + parsed->host_header() + ": " + cec.message();
    co_return std::nullopt;
  }
  SSL_set_tlsext_host_name(stream.native_handle(), parsed->host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(parsed->host));
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, use_nothrow);
  if (hec) {
    error = "TLS with " + parsed->host_header() + " failed: " + hec.message();
    co_return std::nullopt;
  }
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), parsed->base_path.empty() ? "/" : parsed->base_path, 11);
  req.set(bhttp::field::host, parsed->host_header());
  req.set(bhttp::field::user_agent, "x402-gateway-acme");
  if (method == "POST") {
    req.set(bhttp::field::content_type, "application/jose+json");
    req.body() = body;
  }
  req.prepare_payload();
  auto [wec, written] = co_await bhttp::async_write(stream, req, use_nothrow);
  if (wec) {
    error = "cannot send to " + parsed->host_header() + ": " + wec.message();
    co_return std::nullopt;
  }
  // Bounded like every buffer a peer fills (net/bounded_read): the CA's header and one read more.
  beast::flat_buffer buffer(net::read_buffer_cap(net::kResponseHeaderLimit));
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  auto [rdec, read] = co_await net::read_bounded(stream, buffer, parser);
  if (rdec) {
    error = "no answer from " + parsed->host_header() + ": " + rdec.message();
    co_return std::nullopt;
  }
  auto& res = parser.get();
  HttpResult out;
  out.status = res.result_int();
  out.location = std::string(res[bhttp::field::location]);
  out.nonce = std::string(res["Replay-Nonce"]);
  out.body = std::move(res.body());
  beast::get_lowest_layer(stream).expires_after(2s);
  co_await stream.async_shutdown(use_nothrow);
  co_return out;
}

}  // namespace x402gw::acme
