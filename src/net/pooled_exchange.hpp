#pragma once
// The one retry loop for outgoing requests over pooled connections, used by the upstream proxy and
// the facilitator client alike. A pooled connection may have been closed by its peer while it sat
// idle; a request that meets such a connection is sent again on a fresh one, once, but only when
// resending cannot repeat an effect:
//   - Resend::if_unsent: only if the request was not completely written (a peer cannot act on a
//     request it did not receive whole). For /settle: a request that may have reached the
//     facilitator is never sent again blindly.
//   - Resend::if_unanswered: also if it was written and the peer closed without a byte of answer
//     (the classic stale keep-alive connection), for idempotent requests.
#include <chrono>
#include <memory>
#include <string>

#include "net/connection.hpp"
#include "net/transport_error.hpp"

namespace x402gw::net {

/// When a request may be sent again after its pooled connection turned out closed.
enum class Resend { if_unsent, if_unanswered };

/// Where a request goes and how its connections are pooled.
struct Origin {
  const Url* url;
  const TlsClient* tls;
  std::chrono::milliseconds connect_timeout;
  const std::string* pool_key;
  std::chrono::milliseconds max_idle_age;  // older pooled connections are not used
};

/// What one attempt on one connection did.
struct Attempt {
  TransportFailure failure;                // failure.ec empty: the exchange succeeded
  bool request_written = false;            // the whole request went out
  bool answer_started = false;             // at least one byte of the answer arrived
};

/// The outcome of the loop: the connection the exchange succeeded on (to read on or pool), or
/// the failure and whether the request was written (the peer may have acted on it).
struct PooledResult {
  std::unique_ptr<Connection> connection;
  TransportFailure failure;
  bool request_written = false;
};

/// Runs `attempt(connection) -> awaitable<Attempt>` on a pooled connection of `origin` (when
/// `use_pool`), else a fresh one; on a stale pooled connection, once more on a fresh one when
/// `resend` allows.
template <class AttemptFn>
awaitable<PooledResult> pooled_exchange(ConnectionPool& pool, TlsContexts& tls, const Origin& origin, Resend resend,
                                        bool use_pool, AttemptFn attempt) {
  PooledResult result;
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<Connection> connection;
    if (round == 0 && use_pool) connection = pool.take(*origin.pool_key, origin.max_idle_age);
    if (!connection) {
      auto [fresh, failure] = co_await open_connection(*origin.url, *origin.tls, origin.connect_timeout, tls);
      if (!fresh) {
        result.failure = failure;
        co_return result;
      }
      connection = std::move(fresh);
    }
    Attempt a = co_await attempt(*connection);
    if (!a.failure.ec) {
      result.connection = std::move(connection);
      result.failure = {};
      result.request_written = true;
      co_return result;
    }
    result.failure = a.failure;
    result.request_written = a.request_written;
    const bool stale = connection->reused && !a.answer_started &&
                       (a.failure.phase == Phase::write || peer_closed(a.failure.ec));
    const bool may_resend = !a.request_written || resend == Resend::if_unanswered;
    if (!(stale && may_resend)) co_return result;
  }
  co_return result;
}

}  // namespace x402gw::net
