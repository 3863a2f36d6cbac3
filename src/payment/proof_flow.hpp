#pragma once
// Pay-then-prove (a route's `proof: tx_hash`): the client paid with a plain token transfer and
// proves it with the transaction's hash (X-402-Payment-Proof or X-Payment-Proof). The gateway reads
// the receipt from the network's JSON-RPC endpoint (chains:), decides with chain::check_transfer,
// and marks the hash used in the ReplayStore before the answer streams: a transaction pays for one
// request only. Attempts draw on the challenge limiter; only refusals that hold for every route are
// remembered, briefly (see the README's "Pay-then-prove").
#include <optional>

#include "core/reply.hpp"
#include "net/client_io.hpp"
#include "payment/flow.hpp"
#include "routing/request_context.hpp"
#include "x402/requirements.hpp"

namespace x402gw::payment {

/// Whether the request carries a payment proof header.
bool has_proof_header(net::ClientIo& io);

/// The hint headers a 402 of a `proof: tx_hash` route carries (X-402-Amount, ..., X-Payment), for
/// its first EVM requirement with a chain entry; empty if there is none.
core::Headers proof_hints(const config::Config& config, const config::Route& route);

/// An x402 payment settled on an EVM network moved its price to pay_to in the transaction
/// `tx_hash`, which a `proof: tx_hash` route would take as proof: when the network has a chain
/// entry, the hash is marked used as an accepted proof is, so that one transfer buys one answer.
/// False when it could not be (a proof of it was accepted, or is being checked, first; the store
/// failed); nothing to do is true.
awaitable<bool> mark_settled_transfer(const config::Config& config, ReplayStore& store, const std::string& network,
                                      const std::string& tx_hash);

/// Serves a request of a `proof: tx_hash` route that carries a proof: the reply to write, or
/// nullopt when the upstream's answer was streamed.
awaitable<std::optional<core::Reply>> run_proof_flow(routing::RequestContext& ctx, net::ClientIo& io, Services& services,
                                                     const x402::ResourceInfo& resource);

}  // namespace x402gw::payment
