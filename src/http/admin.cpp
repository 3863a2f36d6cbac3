#include "http/admin.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "facilitator/breakers.hpp"
#include "facilitator/supported_truth.hpp"
#include "http/admin_access.hpp"
#include "http/dashboard_page.hpp"
#include "http/replies.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/bounded_read.hpp"
#include "payment/memory_replay_store.hpp"
#include "payment/reconciler.hpp"
#include "pricer/pricers.hpp"

namespace x402gw::http {
namespace {

// The admin listener is for orchestrators and operators on a trusted network: small requests,
// short deadlines.
constexpr uint64_t kMaxAdminRequestBody = 64 * 1024;
constexpr uint32_t kAdminHeaderLimit = 8 * 1024;
constexpr std::chrono::seconds kAdminReadTimeout{30};
constexpr std::chrono::seconds kAdminWriteTimeout{10};

core::Reply json(unsigned status, const nlohmann::json& body) {
  return core::DocumentReply{status, core::json_text(body), "application/json", {}};
}

std::optional<std::string_view> field(const bhttp::request<bhttp::string_body>& req, bhttp::field name) {
  auto it = req.find(name);
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value());
}

AdminRequestFacts facts_of(const bhttp::request<bhttp::string_body>& req) {
  auto host = field(req, bhttp::field::host);
  auto fetch_site = req.find("Sec-Fetch-Site");
  return AdminRequestFacts{host.value_or(std::string_view()), field(req, bhttp::field::origin),
                           fetch_site == req.end() ? std::nullopt : std::optional<std::string_view>(fetch_site->value()),
                           field(req, bhttp::field::authorization), field(req, bhttp::field::content_type)};
}

// Counted, so that an operator sees probing of the admin listener (bad tokens, cross-site pages).
core::Reply refuse(ServerState& state, core::ErrorReply refused) {
  if (state.metrics) state.metrics->admin_refused(core::public_code(refused.error));
  return refused;
}

// The admin policy of the running configuration for this connection; a connection that did not
// arrive over loopback never counts as loopback, whatever a reloaded admin_listen says.
AdminPolicy policy_of(const config::Config* config, bool loopback_connection) {
  return AdminPolicy{config ? std::string_view(config->admin.token) : std::string_view(), config && config->admin.protect_metrics,
                     config && config->admin.loopback_only && loopback_connection};
}

// The unknown settlements being reconciled, as the dashboard lists them (the 20 oldest).
nlohmann::json reconciliation_json(const payment::Reconciler& reconciler) {
  const int64_t now = payment::unix_now();
  const auto backlog = reconciler.backlog(now, 20);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : backlog.items)
    items.push_back({{"route", item.route},
                     {"facilitator", item.facilitator},
                     {"network", item.network},
                     {"recorded_at", item.recorded_at},
                     {"age_seconds", now - item.recorded_at},
                     {"attempts", item.attempts},
                     {"asking", item.asking}});
  return {{"pending", backlog.pending}, {"oldest_age_seconds", backlog.oldest_age}, {"given_up", backlog.given_up},
          {"items", std::move(items)}};
}

core::Reply summary(ServerState& state) {
  auto config = state.current();
  metrics::Summary::Live live;
  live.config_hash = config ? config->hash : std::string();
  live.in_flight = state.in_flight.load();
  live.open_connections = state.open_connections.load();
  if (config && state.breakers) {
    auto set = state.breakers->for_config(*config);
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < config->facilitators.size() && i < set->by_index.size(); ++i)
      live.breakers.emplace_back(config->facilitators[i].name,
                                 std::string(facilitator::state_name(set->by_index[i]->snapshot(now).state)));
  }
  if (config)
    for (const auto& route : config->routes)
      for (const auto& r : route.requirements) {
        // The label the exchange record uses for the asset (flow.cpp): its symbol, else its address.
        std::string asset = r.asset_symbol.empty() ? r.asset : r.asset_symbol;
        const bool known = std::any_of(live.units.begin(), live.units.end(),
                                       [&](const auto& u) { return u.network == r.network && u.asset == asset; });
        if (!known) live.units.push_back({r.network, std::move(asset), r.decimals});
      }
    live.reconciliation = state.reconciler ? reconciliation_json(*state.reconciler)
                                         : nlohmann::json{{"pending", 0}, {"oldest_age_seconds", 0}, {"given_up", 0},
                                                          {"items", nlohmann::json::array()}};
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  return json(200, state.metrics->summary().to_json(now_ms, live));
}

core::Reply answer(const bhttp::request<bhttp::string_body>& req, ServerState& state, bool loopback_connection) {
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  const bool get = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;

  if (target == "/healthz" && get) return json(200, {{"status", "ok"}});
  if (target == "/readyz" && get) {
    auto config = state.current();
    if (state.draining.load()) return json(503, {{"status", "draining"}, {"reasons", {"the gateway is shutting down"}}});
    if (!config) return json(503, {{"status", "not_ready"}, {"reasons", {"no configuration loaded"}}});
    Readiness r = state.readiness();
    if (!r.checked) return json(503, {{"status", "not_ready"}, {"reasons", {"the facilitators have not been checked yet"}}});
    // The breakers change with every call: read them now, not at the last /supported round.
    if (state.breakers) {
      auto live = facilitator::breaker_findings(*config, *state.breakers->for_config(*config), std::chrono::steady_clock::now());
      r.problems.insert(r.problems.end(), live.problems.begin(), live.problems.end());
      r.warnings.insert(r.warnings.end(), live.warnings.begin(), live.warnings.end());
    }
    // A route's pricer is its only source of prices: its open breaker fails the route, as a route
    // whose every facilitator is open does.
    if (state.pricers)
      for (const auto& view : state.pricers->breakers(*config, std::chrono::steady_clock::now()))
        if (view.snapshot.state == facilitator::BreakerState::open)
          r.problems.push_back("route '" + view.route + "': its pricer " + view.url + " is failing (circuit open for " +
                               std::to_string(std::chrono::ceil<std::chrono::seconds>(view.snapshot.open_remaining).count()) +
                               "s more: " + view.snapshot.last_failure + ")");
    // The state store is checked live: it can go away between two facilitator checks.
    if (state.state_problem)
      if (std::string problem = state.state_problem(); !problem.empty()) r.problems.push_back(std::move(problem));
    if (!r.problems.empty()) return json(503, {{"status", "not_ready"}, {"reasons", r.problems}, {"degraded", r.warnings}});
    nlohmann::json body = {{"status", "ready"}, {"config_hash", config->hash}, {"routes", config->routes.size()}};
    if (!r.warnings.empty()) body["degraded"] = r.warnings;
    // A growing reconciliation backlog is reported, not failed: another replica would fare no better.
    if (state.reconciler)
      if (auto warning = state.reconciler->backlog_warning(payment::unix_now())) body["warnings"] = {*warning};
    return json(200, body);
  }
  if (target == "/metrics" && get && state.metrics) {
    auto config = state.current();
    if (config)
      if (auto refused = check_metrics(facts_of(req), AdminPolicy{config->admin.token, config->admin.protect_metrics, false}))
        return refuse(state, std::move(*refused));
    metrics::GatewayMetrics::Gauges gauges{state.in_flight.load(), state.open_connections.load(),
                                           config ? config->hash : std::string(), {},
                                           state.reconciler ? static_cast<int64_t>(state.reconciler->pending()) : 0};
    if (state.reconciler) gauges.oldest_unknown_age = state.reconciler->backlog(payment::unix_now(), 0).oldest_age;
    if (auto* memory = dynamic_cast<payment::MemoryReplayStore*>(state.replay_store)) {
      gauges.replay_store_payments = static_cast<int64_t>(memory->size());
      gauges.replay_store_max_payments = static_cast<int64_t>(memory->max_payments());
    }
    if (config && state.breakers) {
      auto set = state.breakers->for_config(*config);
      const auto now = std::chrono::steady_clock::now();
      for (size_t i = 0; i < config->facilitators.size() && i < set->by_index.size(); ++i)
        gauges.breakers.emplace_back(config->facilitators[i].name, static_cast<int>(set->by_index[i]->snapshot(now).state));
    }
    if (config && state.pricers)
      for (const auto& view : state.pricers->breakers(*config, std::chrono::steady_clock::now()))
        gauges.pricer_breakers.emplace_back(view.route, static_cast<int>(view.snapshot.state));
    return core::DocumentReply{200, state.metrics->expose(gauges), "text/plain; version=0.0.4; charset=utf-8", {}};
  }
  if (target == "/admin/summary" && get && state.metrics) {
    // Payers and transactions: guarded like the control endpoints (the token, or a loopback-only
    // listener without one), and never for another site's page.
    auto config = state.current();
    if (auto refused = check_control(facts_of(req), policy_of(config.get(), loopback_connection))) return refuse(state, std::move(*refused));
    return summary(state);
  }
  if (get)
    if (auto page = dashboard_file(target)) {
      // The page holds no data (it reads /admin/summary with the token), but another site's page
      // has no business loading or framing it.
      if (cross_site(facts_of(req)))
        return refuse(state, core::ErrorReply{core::Error::admin_cross_site, "the admin endpoints refuse requests from other sites", {}});
      return std::move(*page);
    }
  if (target == "/admin/reload") {
    if (req.method() != bhttp::verb::post) return core::ErrorReply{core::Error::admin_method_not_allowed, "use POST", {{"Allow", "POST"}}};
    // The token and the listener come from the running configuration.
    auto config = state.current();
    if (auto refused = check_control(facts_of(req), policy_of(config.get(), loopback_connection))) return refuse(state, std::move(*refused));
    std::string errors = state.reload ? state.reload() : "reload is not available";
    if (!errors.empty()) return core::ErrorReply{core::Error::invalid_config, errors, {}};
    return json(200, {{"status", "reloaded"}, {"config_hash", state.current()->hash}});
  }
  return core::ErrorReply{core::Error::admin_not_found,
                          "admin endpoints: GET /healthz, GET /readyz, GET /metrics, GET /admin/ (dashboard), GET /admin/summary, "
                          "POST /admin/reload", {}};
}

}  // namespace

awaitable<void> run_admin_session(net::Socket socket, ServerState& state) {
  error_code local_ec;
  const auto local = socket.local_endpoint(local_ec);
  const bool loopback_connection = !local_ec && local.address().is_loopback();
  net::TcpStream stream(std::move(socket));
  // Bounded like the data path's (net/bounded_read): a header, one read more; an endless
  // chunk-size line or trailer section is refused, not buffered.
  beast::flat_buffer buffer(net::read_buffer_cap(kAdminHeaderLimit));
  try {
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(kAdminHeaderLimit);
      parser.body_limit(kMaxAdminRequestBody);
      stream.expires_after(kAdminReadTimeout);
      auto [ec, n] = co_await net::read_bounded(stream, buffer, parser);
      if (net::is_framing_error(ec)) {
        // Refused with the data path's error, then closed: the rest of the message is unread.
        const core::Reply refusal = core::ErrorReply{core::Error::chunk_framing_too_large,
                                                     "the request's chunk framing is over the bounds: " + ec.message(), {}};
        const WireReply wire = render(refusal, 11, false, false);
        const std::array<asio::const_buffer, 2> pieces{asio::buffer(wire.head), asio::buffer(wire.body())};
        stream.expires_after(kAdminWriteTimeout);
        co_await asio::async_write(stream, pieces, use_nothrow);
        break;
      }
      if (ec) break;
      const auto& req = parser.get();
      const core::Reply reply = answer(req, state, loopback_connection);
      const bool keep_alive = req.keep_alive();
      const WireReply wire = render(reply, req.version() >= 11 ? 11 : 10, keep_alive, req.method() == bhttp::verb::head);
      const std::array<asio::const_buffer, 2> pieces{asio::buffer(wire.head), asio::buffer(wire.body())};
      stream.expires_after(kAdminWriteTimeout);
      auto [wec, wn] = co_await asio::async_write(stream, pieces, use_nothrow);
      if (wec || !keep_alive) break;
    }
  } catch (const std::exception&) {
    // A failing admin request closes its connection; the data path is not affected.
  }
  error_code ignored;
  stream.socket().shutdown(net::Socket::shutdown_send, ignored);
}

}  // namespace x402gw::http
