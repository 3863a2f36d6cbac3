#pragma once
// What one worker thread owns for outgoing connections: pools and TLS contexts, used only by the
// coroutines of that thread, so nothing here is locked.
#include "net/connection.hpp"
#include "net/tls.hpp"

namespace x402gw::net {

/// Per-thread outgoing-connection state.
struct WorkerContext {
  ConnectionPool upstreams;
  ConnectionPool facilitators;
  TlsContexts tls;
};

}  // namespace x402gw::net
