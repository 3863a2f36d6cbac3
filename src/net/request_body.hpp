#pragma once
// Reading a whole request body from the client into memory, within a size limit and the body
// deadline: for answers that must know the body is complete and well-formed before anything is
// charged (settlement: before).
#include <optional>
#include <string>

#include "core/error.hpp"
#include "net/client_io.hpp"

namespace x402gw::net {

/// Why a request body could not be read, or nothing.
struct BodyFailure {
  core::Error error = core::Error::bad_request;
  std::string message;
};

/// The failure for a client-side error while reading a request body.
BodyFailure body_failure(const ClientIo& io, const error_code& ec);

/// Reads the rest of the request body into `out` (answering "Expect: 100-continue" first). The
/// parser's body limit applies. On failure the connection is marked for closing.
awaitable<std::optional<BodyFailure>> read_whole_body(ClientIo& io, std::string& out);

}  // namespace x402gw::net
