#include "http/admin.hpp"

#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "metrics/gateway_metrics.hpp"

namespace x402gw::http {
namespace {

namespace bhttp = ::boost::beast::http;

bhttp::response<bhttp::string_body> answer(const bhttp::request<bhttp::string_body>& req, ServerState& state) {
  auto reply = [&](unsigned status, std::string body, std::string_view type) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), req.version()};
    res.set(bhttp::field::content_type, type);
    res.set(bhttp::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  };
  auto json = [&](unsigned status, const nlohmann::json& body) { return reply(status, body.dump(), "application/json"); };
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
    if (!r.problems.empty()) return json(503, {{"status", "not_ready"}, {"reasons", r.problems}});
    return json(200, {{"status", "ready"}, {"config_hash", config->hash}, {"routes", config->routes.size()}});
  }
  if (target == "/metrics" && get && state.metrics)
    return reply(200, state.metrics->expose(state), "text/plain; version=0.0.4; charset=utf-8");
  if (target == "/admin/reload") {
    if (req.method() != bhttp::verb::post) return json(405, {{"error", "method_not_allowed"}, {"message", "use POST"}});
    std::string errors = state.reload ? state.reload() : "reload is not available";
    if (!errors.empty()) return json(422, {{"error", "invalid_config"}, {"message", errors}});
    return json(200, {{"status", "reloaded"}, {"config_hash", state.current()->hash}});
  }
  return json(404, {{"error", "not_found"}, {"message", "admin endpoints: GET /healthz, GET /readyz, GET /metrics, POST /admin/reload"}});
}

}  // namespace

awaitable<void> run_admin_session(tcp::socket socket, ServerState& state) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024);
    stream.expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, use_nothrow);
    if (ec) break;
    auto res = answer(parser.get(), state);
    stream.expires_after(std::chrono::seconds(10));
    auto [wec, wn] = co_await bhttp::async_write(stream, res, use_nothrow);
    if (wec || !res.keep_alive()) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace x402gw::http
