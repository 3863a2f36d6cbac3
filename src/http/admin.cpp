#include "http/admin.hpp"

#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

namespace x402gw::http {
namespace {

namespace bhttp = ::boost::beast::http;

bhttp::response<bhttp::string_body> answer(const bhttp::request<bhttp::string_body>& req, ServerState& state) {
  auto reply = [&](unsigned status, nlohmann::json body) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), req.version()};
    res.set(bhttp::field::content_type, "application/json");
    res.set(bhttp::field::cache_control, "no-store");
    res.body() = body.dump();
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  };
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  if (target == "/healthz") return reply(200, {{"status", "ok"}});
  if (target == "/readyz") {
    auto config = state.current();
    if (state.draining.load()) return reply(503, {{"status", "draining"}, {"reason", "the gateway is shutting down"}});
    if (!config) return reply(503, {{"status", "not_ready"}, {"reason", "no configuration loaded"}});
    return reply(200, {{"status", "ready"}, {"config_hash", config->hash}, {"routes", config->routes.size()}});
  }
  return reply(404, {{"error", "not_found"}, {"message", "admin endpoints: /healthz, /readyz"}});
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
