#pragma once
// The client's byte stream, plain TCP or TLS, behind one type so that the session, the paid flow
// and the proxy are written once. A thin variant rather than a template: the modules above reach
// the client through virtual interfaces (upstream::Delivery) that a template would have to cross,
// and the plain path pays one predictable branch per read or write (bench/README.md measures it).
#include <boost/asio/ssl/stream.hpp>

#include "net/asio.hpp"

namespace x402gw::net {

/// A TLS stream over the client's TCP stream.
using TlsStream = asio::ssl::stream<net::TcpStream>;

/// An AsyncReadStream and AsyncWriteStream over a client connection, TLS or not.
class ClientStream {
 public:
  using executor_type = net::TcpStream::executor_type;

  /// A plain connection.
  explicit ClientStream(net::TcpStream& tcp) : tcp_(tcp) {}
  /// A TLS connection whose handshake is done.
  explicit ClientStream(TlsStream& tls) : tcp_(tls.next_layer()), tls_(&tls) {}
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  executor_type get_executor() { return tcp_.get_executor(); }
  /// The TCP stream underneath: deadlines, cancellation, the socket.
  net::TcpStream& tcp() { return tcp_; }
  bool is_tls() const { return tls_ != nullptr; }
  /// The socket when the connection is plain TCP (net/write_now writes to it directly), else null.
  net::Socket* plain_socket() { return tls_ ? nullptr : &tcp_.socket(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) tls_->async_read_some(b, std::move(handler));
          else tcp_.async_read_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) tls_->async_write_some(b, std::move(handler));
          else tcp_.async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

 private:
  net::TcpStream& tcp_;
  TlsStream* tls_ = nullptr;
};

}  // namespace x402gw::net
