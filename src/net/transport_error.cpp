#include "net/transport_error.hpp"

namespace x402gw::net {

bool peer_closed(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted || ec == asio::error::operation_aborted;
}

core::Error transport_error(Side side, const TransportFailure& failure) {
  using E = core::Error;
  const bool up = side == Side::upstream;
  const bool timeout = failure.ec == beast::error::timeout || failure.ec == asio::error::timed_out;
  switch (failure.phase) {
    case Phase::resolve:
      if (timeout) return up ? E::upstream_connect_timeout : E::facilitator_connect_timeout;
      return up ? E::upstream_resolve : E::facilitator_resolve;
    case Phase::connect:
      if (timeout) return up ? E::upstream_connect_timeout : E::facilitator_connect_timeout;
      return up ? E::upstream_connect : E::facilitator_connect;
    case Phase::tls:
      if (timeout) return up ? E::upstream_connect_timeout : E::facilitator_connect_timeout;
      return up ? E::upstream_tls : E::facilitator_tls;
    case Phase::write:
      if (timeout) return up ? E::upstream_timeout : E::facilitator_timeout;
      return up ? E::upstream_write : E::facilitator_write;
    case Phase::read:
      if (timeout) return up ? E::upstream_timeout : E::facilitator_timeout;
      if (peer_closed(failure.ec)) return up ? E::upstream_read : E::facilitator_read;
      return up ? E::upstream_bad_response : E::facilitator_bad_response;
  }
  return E::internal;
}

}  // namespace x402gw::net
