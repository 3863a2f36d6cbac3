#pragma once
// What one worker thread owns for outgoing connections: pools and TLS contexts, used only by the
// coroutines of that thread, so nothing here is locked.
#include <unordered_set>

#include "net/buffer_pool.hpp"
#include "net/connection.hpp"
#include "net/socket_deadline.hpp"
#include "net/string_pool.hpp"
#include "net/tls.hpp"

namespace x402gw::net {

/// Per-thread connection state.
struct WorkerContext {
  /// The deadlines of this worker's sockets (first: it outlives the connections that use it).
  Deadlines deadlines;
  ConnectionPool upstreams;
  ConnectionPool facilitators;
  ConnectionPool chains;  // EVM JSON-RPC endpoints (pay-then-prove)
  TlsContexts tls;
  /// Relay buffers, lent to one request at a time.
  BufferPool buffers;
  /// Strings for the heads a request writes, lent one request at a time.
  StringPool strings;
  /// Client connections waiting for their next request (closed at once when draining).
  std::unordered_set<net::Socket*> idle_clients;
};

}  // namespace x402gw::net
