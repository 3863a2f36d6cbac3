#pragma once
// Who the client is behind trusted proxies: the right-most untrusted hop of X-Forwarded-For.
// Each proxy appends the address it received the request from, so only the entries appended by
// proxies we trust are true; everything left of the first untrusted one may be made up.
#include <optional>
#include <string_view>
#include <vector>

#include "peer/cidr.hpp"

namespace x402gw::peer {

/// The client's address. `hop` is the peer that sent the request (the socket's peer, or the source
/// a PROXY protocol header named); `forwarded_for` are the values of every X-Forwarded-For field in
/// order. An untrusted hop is the client itself and its X-Forwarded-For is not read. Otherwise the
/// entries are walked right to left past trusted proxies: the first untrusted one is the client.
/// An entry that is not an address ends the walk at the trusted hop right of it, and so does the
/// left end of the list when every entry is trusted.
IpAddress client_address(const IpAddress& hop, const std::vector<std::string_view>& forwarded_for,
                         const TrustedProxies& trusted);

/// The addresses a request passed through, as far as they can be believed: the client first, then
/// each trusted proxy it passed, the hop last. An untrusted hop gives [hop]: the entries of
/// X-Forwarded-For that could be made up (left of the client) are not in it. An unknown hop
/// (nullopt: a PROXY header that named no source) gives an empty chain: nothing is believed.
std::vector<IpAddress> believed_chain(const std::optional<IpAddress>& hop, const std::vector<std::string_view>& forwarded_for,
                                      const TrustedProxies& trusted);

/// One X-Forwarded-For entry as an address: "a.b.c.d", "a.b.c.d:port", an IPv6 address, or
/// "[v6]" / "[v6]:port"; spaces and tabs around it are ignored.
std::optional<IpAddress> parse_forwarded_entry(std::string_view entry);

}  // namespace x402gw::peer
