#pragma once
// Aliases for the I/O code. (`net` is this project's own namespace, so Asio is `asio` here.)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/basic_resolver.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace x402gw {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

/// Every coroutine and I/O object of the program runs on one worker's io_context, so they carry
/// its concrete executor rather than the type-erased `any_io_executor`: no executor is copied
/// through a type-erasure layer, nor allocated, per operation. (There are no strands: each worker
/// is one thread; work for a worker from elsewhere is posted to its io_context.)
using IoExecutor = asio::io_context::executor_type;

template <class T = void>
using awaitable = asio::awaitable<T, IoExecutor>;

/// Completion token for the data path: errors come back as values, never as exceptions.
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<IoExecutor>{});

namespace net {
/// I/O objects on a worker's io_context (use these, not tcp::socket, steady_timer or tcp_stream).
using Socket = asio::basic_stream_socket<tcp, IoExecutor>;
using Acceptor = asio::basic_socket_acceptor<tcp, IoExecutor>;
using Resolver = asio::ip::basic_resolver<tcp, IoExecutor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, IoExecutor>;
using TcpStream = beast::basic_stream<tcp, IoExecutor, beast::unlimited_rate_policy>;
}  // namespace net

}  // namespace x402gw
