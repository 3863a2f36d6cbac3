#include "http/listener.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>

#include "core/log.hpp"

namespace x402gw::http {

tcp::acceptor open_acceptor(asio::io_context& ioc, const std::string& host, uint16_t port) {
  error_code ec;
  auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) throw std::runtime_error("cannot resolve listen host '" + host + "'");
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, port);
  tcp::acceptor acceptor(ioc);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  if (endpoint.protocol() == tcp::v6()) acceptor.set_option(asio::ip::v6_only(true));
  acceptor.bind(endpoint, ec);
  if (ec) throw std::runtime_error("cannot listen on " + endpoint.address().to_string() + ":" + std::to_string(port) + ": " + ec.message());
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

awaitable<void> accept_loop(tcp::acceptor& acceptor, std::function<asio::io_context&()> pick_context,
                            std::function<void(tcp::socket)> dispatch) {
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(pick_context(), use_nothrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Typically EMFILE: spinning would burn the CPU that in-flight requests need.
      core::log_event("warn", "accept failed", {{"error", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    dispatch(std::move(socket));
  }
}

}  // namespace x402gw::http
