#pragma once
// Reading the two ClientHello extensions a TLS listener chooses its certificate by: the server
// name (RFC 6066 section 3) and the offered ALPN protocols (RFC 7301). Pure parsing of the
// extension bodies OpenSSL hands over, so that it is tested without a handshake.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x402gw::net {

/// The host_name of a server_name extension body, lower-cased; nullopt when absent or malformed.
std::optional<std::string> parse_server_name(const unsigned char* data, size_t size);

/// The protocol names of an ALPN extension body; empty when malformed.
std::vector<std::string> parse_alpn(const unsigned char* data, size_t size);

/// Whether a certificate name ("api.example.com" or "*.example.com") covers `host` (lower case).
bool name_matches(std::string_view pattern, std::string_view host);

}  // namespace x402gw::net
