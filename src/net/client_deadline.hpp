#pragma once
// The deadline of a client connection's reads, and of its writes when they must wait. It cancels
// the pending operation and leaves the socket open (Beast's stream timeout closes it, which leaves
// no way to answer 408), so the session can still write the 408 before it closes. `fired()` tells
// the caller why an operation aborted.
//
// An entry of the worker's deadline wheel (net/socket_deadline), embedded here: arming writes a
// timestamp, nothing is allocated and no Asio timer is armed per read or write.
#include <chrono>

#include "net/asio.hpp"
#include "net/socket_deadline.hpp"

namespace x402gw::net {

/// Cancels a client's pending operations when the deadline passes; `fired()` tells why one aborted.
class ClientDeadline {
 public:
  ClientDeadline(net::TcpStream& stream, Deadlines& deadlines) : deadline_(stream.socket()), deadlines_(deadlines) {}

  /// Starts (or moves) the deadline for the next operation.
  void arm(std::chrono::milliseconds timeout) { deadlines_.arm(deadline_, timeout); }
  /// Ends the deadline: the operation finished.
  void disarm() { deadline_.disarm(); }
  /// Whether the deadline passed since it was last armed.
  bool fired() const { return deadline_.fired(); }

 private:
  SocketDeadline deadline_;
  Deadlines& deadlines_;
};

}  // namespace x402gw::net
