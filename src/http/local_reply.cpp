#include "http/local_reply.hpp"

#include "http/read_watchdog.hpp"

namespace x402gw::http {

void Exchange::arm_body_read() {
  if (watchdog) watchdog->arm(config.timeouts.body_io);
  else client.expires_after(config.timeouts.body_io);
}

bool Exchange::body_read_timed_out(const error_code& ec) const {
  return ec == beast::error::timeout || (watchdog && watchdog->fired() && ec == asio::error::operation_aborted);
}

namespace bhttp = ::boost::beast::http;

awaitable<void> send_local(Exchange& ex, unsigned status, std::string body, std::string_view content_type,
                           const HeaderList& headers) {
  // An unread request body would be taken for the next request: close instead.
  if (ex.body_pending()) ex.close_connection = true;
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), ex.client_version};
  res.set(bhttp::field::server, "x402-gateway");
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : headers) res.set(name, value);
  res.body() = std::move(body);
  res.keep_alive(ex.keep_alive());
  if (ex.head_request) {
    res.content_length(res.body().size());
    res.body().clear();
  } else {
    res.prepare_payload();
  }
  ex.status = status;
  ex.client.expires_after(ex.config.timeouts.body_io);
  auto [ec, n] = co_await bhttp::async_write(ex.client, res, use_nothrow);
  ex.bytes_sent += n;
  if (ec) ex.close_connection = true;
}

awaitable<void> send_failure(Exchange& ex, http_errors::Failure failure, std::string_view message,
                             const HeaderList& headers) {
  ex.failure_code = std::string(http_errors::code_of(failure));
  std::string body = http_errors::error_body(ex.failure_code, message);
  const std::string_view content_type = "application/json";
  co_await send_local(ex, http_errors::status_of(failure), std::move(body), content_type, headers);
}

}  // namespace x402gw::http
