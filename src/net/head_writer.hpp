#pragma once
// HTTP/1.1 message heads written by hand into one buffer, byte for byte as Beast's serializer
// would write them, so that a head and the first piece of its body go out in one gathered write.
// Pure: no I/O.
#include <boost/beast/http/message.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace x402gw::net {

/// Appends the request line, every field in order and the blank line of `req`.
void append_request_head(std::string& out, const boost::beast::http::request_header<>& req);

/// Appends the status line (the reason the message holds, else the standard one), every field in
/// order and the blank line of `res`.
void append_response_head(std::string& out, const boost::beast::http::response_header<>& res);

/// Appends a status line: "HTTP/1.1 200 OK\r\n" (version 10 or 11, a three-digit status).
void append_status_line(std::string& out, unsigned version, unsigned status, std::string_view reason);

/// Appends one field line: "Name: value\r\n".
void append_field(std::string& out, std::string_view name, std::string_view value);

/// The size line of one chunk of a chunked body ("1a2b\r\n") into `out`; returns its length.
/// `out` must hold at least kChunkLineMax bytes.
inline constexpr size_t kChunkLineMax = 2 * sizeof(size_t) + 2;
size_t chunk_size_line(char* out, size_t size);

/// The end of a chunked body: the last chunk with no trailers.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace x402gw::net
