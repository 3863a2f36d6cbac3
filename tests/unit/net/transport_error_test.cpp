// The one classifier of connection errors: phase and error -> the project's code, per side.
#include "net/transport_error.hpp"

#include <gtest/gtest.h>

using namespace x402gw;
using core::Error;
using net::Phase;
using net::Side;

namespace {
Error up(Phase p, error_code ec) { return net::transport_error(Side::upstream, {p, ec}); }
Error fac(Phase p, error_code ec) { return net::transport_error(Side::facilitator, {p, ec}); }
}  // namespace

TEST(TransportError, Timeouts) {
  const error_code timeout = beast::error::timeout;
  EXPECT_EQ(up(Phase::resolve, timeout), Error::upstream_connect_timeout);
  EXPECT_EQ(up(Phase::connect, timeout), Error::upstream_connect_timeout);
  EXPECT_EQ(up(Phase::tls, timeout), Error::upstream_connect_timeout);
  EXPECT_EQ(up(Phase::write, timeout), Error::upstream_timeout);
  EXPECT_EQ(up(Phase::read, timeout), Error::upstream_timeout);
  EXPECT_EQ(fac(Phase::connect, timeout), Error::facilitator_connect_timeout);
  EXPECT_EQ(fac(Phase::read, timeout), Error::facilitator_timeout);
}

TEST(TransportError, PhasesOfFailure) {
  EXPECT_EQ(up(Phase::resolve, asio::error::host_not_found), Error::upstream_resolve);
  EXPECT_EQ(up(Phase::connect, asio::error::connection_refused), Error::upstream_connect);
  EXPECT_EQ(up(Phase::tls, asio::error::access_denied), Error::upstream_tls);
  EXPECT_EQ(up(Phase::write, asio::error::broken_pipe), Error::upstream_write);
  EXPECT_EQ(fac(Phase::connect, asio::error::connection_refused), Error::facilitator_connect);
  EXPECT_EQ(fac(Phase::tls, asio::error::access_denied), Error::facilitator_tls);
  EXPECT_EQ(fac(Phase::write, asio::error::connection_reset), Error::facilitator_write);
}

TEST(TransportError, ClosedVersusMalformedAnswers) {
  for (error_code closed : {error_code(asio::error::eof), error_code(asio::error::connection_reset),
                            error_code(bhttp::error::end_of_stream), error_code(asio::error::broken_pipe)}) {
    EXPECT_TRUE(net::peer_closed(closed)) << closed.message();
    EXPECT_EQ(up(Phase::read, closed), Error::upstream_read);
    EXPECT_EQ(fac(Phase::read, closed), Error::facilitator_read);
  }
  EXPECT_FALSE(net::peer_closed(bhttp::error::bad_version));
  EXPECT_EQ(up(Phase::read, bhttp::error::bad_version), Error::upstream_bad_response);
  EXPECT_EQ(fac(Phase::read, bhttp::error::bad_status), Error::facilitator_bad_response);
}
