#include "payment/proof_flow.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "chain/proof_headers.hpp"
#include "chain/transfer_check.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "metrics/gateway_metrics.hpp"
#include "payment/challenge_cache.hpp"
#include "payment/evm_rpc.hpp"
#include "x402/challenge.hpp"
#include "x402/facilitator_messages.hpp"
#include "x402/money.hpp"
#include "x402/networks.hpp"

// GCC 12: no class-type temporaries inside a co_await operand; named locals only.

namespace x402gw::payment {
namespace {

using core::Error;
using chain::ProofRefusal;

constexpr const char* kJsonProof = "X-402-Payment-Proof";
constexpr const char* kHashProof = "X-Payment-Proof";

// An accepted hash is refused as too old once its block is older than the chain's max_age, so it
// is remembered that long from now (at least; the block is older than now), with a margin for the
// chain's clock. With max_age 0 (any age) nothing else refuses it: as long as a store keeps anything.
constexpr std::chrono::seconds kAgeMargin = std::chrono::minutes(10);
constexpr std::chrono::seconds kKeepForever = std::chrono::hours(24 * 365 * 10);

// A refusal that holds for every route (reverted, too old) is remembered briefly, to spare the
// chain a re-presentation's three calls; minutes, so that refusals cannot fill the store.
constexpr std::chrono::seconds kKeepRefusal = std::chrono::minutes(10);

// The receipt kept with a hash that was refused for every route, so a re-presentation names the
// reason; an accepted hash keeps "accepted:<token>" (the token names the request that may revoke it).
constexpr std::string_view kRefusedPrefix = "refused:";
constexpr std::string_view kAcceptedPrefix = "accepted:";

std::optional<std::string_view> header(net::ClientIo& io, const char* name) {
  const auto* field = io.head().find(std::string_view(name));
  if (!field) return std::nullopt;
  return field->value;
}

bool is_evm(const x402::Requirement& r) {
  const std::optional<x402::Network> network = x402::resolve_network(r.network);
  return network && network->family == x402::Family::evm;
}

// The route's first EVM requirement with a chain of `network` (v1 name or CAIP-2), or of any
// network when the proof does not name one.
const x402::Requirement* requirement_for(const config::Config& config, const config::Route& route, std::string_view network) {
  std::string caip2;
  if (!network.empty()) {
    const std::optional<x402::Network> named = x402::resolve_network(network);
    if (!named) return nullptr;
    caip2 = named->caip2;
  }
  for (const auto& r : route.requirements)
    if (is_evm(r) && config.chain_for(r.network) && (caip2.empty() || r.network == caip2)) return &r;
  return nullptr;
}

// Every requirement of the route on `network`: a transfer paying any of them pays.
std::vector<const x402::Requirement*> requirements_on(const config::Route& route, const std::string& network) {
  std::vector<const x402::Requirement*> out;
  for (const auto& r : route.requirements)
    if (r.network == network) out.push_back(&r);
  return out;
}

// The store's identity of a transaction hash (lowercase) on a network (CAIP-2): one for every route.
std::string proof_identity(const std::string& network, const std::string& hash) { return "proof:" + network + ":" + core::to_lower(hash); }

// How long an accepted hash is kept: until the chain check would refuse it as too old, however far
// its block is stamped ahead of this clock (`ahead`), with a margin.
std::chrono::seconds accepted_keep(const config::Chain& chain, std::chrono::seconds ahead) {
  const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(chain.max_age);
  return max_age.count() > 0 ? max_age + ahead + kAgeMargin : kKeepForever;
}

// A token naming the request that accepted a hash: 64 random bits, hex.
std::string request_token() {
  thread_local std::mt19937_64 random{(uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(16, '0');
  uint64_t bits = random();
  for (auto& c : token) c = kHex[bits & 15], bits >>= 4;
  return token;
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// How long the claim may stay in flight if this request never finishes it. It covers the three
// chain calls and the store's calls around them, with a margin, and not the forward: the hash is
// marked used before the answer streams, so no lease has to outlive a slow answer.
std::chrono::milliseconds proof_lease(const routing::RequestContext& ctx, const config::Chain& chain) {
  return 3 * chain.timeout + 2 * ctx.config.state.timeout + std::chrono::seconds(5);
}

class ProofDriver {
 public:
  ProofDriver(routing::RequestContext& ctx, net::ClientIo& io, Services& services, const x402::ResourceInfo& resource)
      : ctx_(ctx), io_(io), services_(services), route_(*ctx.route()), resource_(resource) {}
  ProofDriver(const ProofDriver&) = delete;
  ProofDriver& operator=(const ProofDriver&) = delete;
  // An exception unwinding through the flow must not leave the hash claimed until its lease ends.
  ~ProofDriver() {
    if (claim_open_) services_.replay->abandon(identity_, token_);
  }

  awaitable<std::optional<core::Reply>> run();

 private:
  /// Checks the proof on chain: nullopt when it pays (requirement_ is the one it pays), else the reply.
  awaitable<std::optional<core::Reply>> check(const config::Chain& chain, const chain::TransferProof& proof);
  /// Ends the claim; false when the store could not record it.
  awaitable<bool> finish(Ending ending);
  core::Reply refuse(std::string reason, std::string message);
  core::Reply fail(Error error, std::string message, core::Headers headers = {});
  void count(std::string_view result) {
    if (services_.metrics) services_.metrics->payment_proof(result);
  }

  routing::RequestContext& ctx_;
  net::ClientIo& io_;
  Services& services_;
  const config::Route& route_;
  const x402::ResourceInfo& resource_;
  std::vector<const x402::Requirement*> requirements_;  // the route's, on the proof's network
  const x402::Requirement* requirement_ = nullptr;     // the one paid (or, refused, the first)
  std::string identity_;
  std::string token_;  // the claim's (ClaimResult::token): only this request's claim is ended
  bool claim_open_ = false;
  std::string payer_;
  uint64_t block_time_ = 0;  // the paying block's timestamp, once checked
};

core::Reply ProofDriver::refuse(std::string reason, std::string message) {
  count(reason);
  ctx_.record.challenged = true;
  ctx_.record.payment = core::PaymentOutcome::rejected;
  const x402::Challenge built = x402::build_challenge(route_.requirements, resource_, reason, message, route_extensions(route_));
  core::ChallengeReply reply{built.body, built.header_value, std::move(reason), proof_hints(ctx_.config, route_)};
  return reply;
}

core::Reply ProofDriver::fail(Error error, std::string message, core::Headers headers) {
  count(core::public_code(error));
  return core::ErrorReply{error, std::move(message), std::move(headers)};
}

awaitable<bool> ProofDriver::finish(Ending ending) {
  if (!claim_open_) co_return false;
  claim_open_ = false;
  ending.token = token_;  // only this request's claim is ended
  co_return co_await services_.replay->finish(identity_, std::move(ending));
}

void record_requirement(core::ExchangeRecord& r, const x402::Requirement& requirement) {
  r.network = requirement.network;
  r.asset = requirement.asset_symbol.empty() ? requirement.asset : requirement.asset_symbol;
  r.amount = requirement.amount;
}

// GCC 12 pairs asio's awaitable-frame operator new and delete wrongly in this coroutine once it is
// inlined into run_proof_flow (a false -Wmismatched-new-delete, as at http/session.cpp's run_session).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
awaitable<std::optional<core::Reply>> ProofDriver::run() {
  // Every attempt may cost the chain three calls and the store an entry: proofs draw on the same
  // per-address budget as challenges (limits.challenges_per_second), before anything is asked.
  if (services_.challenge_limiter) {
    const Allowance allowance = co_await services_.challenge_limiter->take(ctx_.record.client);
    if (allowance == Allowance::limited)
      co_return fail(Error::rate_limited, "too many payment challenges and proofs for this client address; slow down", {{"Retry-After", "1"}});
    if (allowance == Allowance::unavailable)
      co_return fail(Error::state_unavailable, "the payment state store is unavailable; try again shortly", {{"Retry-After", "1"}});
  }
  const std::optional<std::string_view> json_proof = header(io_, kJsonProof);
  const std::optional<std::string_view> hash_proof = header(io_, kHashProof);
  auto parsed = chain::parse_proof_headers(json_proof, hash_proof);
  if (!parsed) co_return refuse("payment_required", "send a payment proof or an x402 payment");
  if (auto* why = std::get_if<std::string>(&*parsed)) co_return refuse("invalid_proof", *why);
  const chain::TransferProof proof = std::get<chain::TransferProof>(std::move(*parsed));

  const x402::Requirement* first = requirement_for(ctx_.config, route_, proof.network);
  if (!first) co_return refuse("proof_wrong_network", "this route takes no payment proofs for network '" + proof.network + "'");
  requirements_ = requirements_on(route_, first->network);
  requirement_ = first;
  const config::Chain& chain = *ctx_.config.chain_for(first->network);
  if (!services_.replay || !services_.worker) co_return fail(Error::internal, "pay-then-prove needs the replay store and a worker");
  // An accepted hash is never dropped to make room (nothing else would refuse its reuse): a store
  // full of them takes no new proof until some expire.
  if (services_.replay->pinned_full()) {
    count("state_full");
    co_return core::ErrorReply{Error::state_unavailable, "the payment state store is full: it holds as many accepted payment proofs as it may; try again later",
                               {{"Retry-After", "60"}}};
  }

  // The hash is claimed before the chain is asked: two presentations at once serve once.
  identity_ = proof_identity(first->network, proof.tx_hash);
  const std::chrono::milliseconds lease = proof_lease(ctx_, chain);
  const ClaimResult claim = co_await services_.replay->claim(identity_, lease);
  switch (claim.status) {
    case Claim::applied: break;
    case Claim::unavailable: co_return fail(Error::state_unavailable, "the payment state store is unavailable; try again shortly");
    case Claim::full:
      count("state_full");
      co_return fail(Error::state_full, "the payment state store is full (state.max_payments); try again later",
                     {{"Retry-After", std::to_string(std::max<int64_t>(1, claim.retry_after.count()))}});
    case Claim::in_flight: co_return refuse("proof_in_flight", "this transaction is being checked for another request");
    case Claim::landed:  // never for a proof (it is never settled as landed): refused as used
    case Claim::delivered:
    case Claim::outcome_unknown: {
      const std::string_view kept = claim.receipt;
      if (kept.substr(0, kRefusedPrefix.size()) == kRefusedPrefix) {
        const std::string_view rest = kept.substr(kRefusedPrefix.size());
        const size_t nl = rest.find('\n');
        co_return refuse(std::string(rest.substr(0, nl)), nl == std::string_view::npos ? "this transaction does not pay for this route" : std::string(rest.substr(nl + 1)));
      }
      co_return refuse("proof_already_used", "this transaction has paid for a request already; send a new payment");
    }
  }
  claim_open_ = true;
  token_ = claim.token;
  core::ExchangeRecord& r = ctx_.record;
  record_requirement(r, *first);

  if (std::optional<core::Reply> refused = co_await check(chain, proof)) co_return refused;
  record_requirement(r, *requirement_);

  // It pays. The hash is marked used, for good, before any answer goes out: a second presentation
  // is refused however long the answer streams, whatever became of this claim's lease.
  const std::string accepted = std::string(kAcceptedPrefix) + request_token();
  Ending used;
  used.how = Finish::delivered;  // used up: a proof has no "landed, answer owed" state
  used.receipt = accepted;
  // A block stamped ahead of this clock stays young that much longer here: kept until then too.
  const std::chrono::seconds ahead(std::max<int64_t>(0, static_cast<int64_t>(block_time_) - unix_seconds()));
  used.keep = accepted_keep(chain, ahead);
  used.retention = Retention::pinned;
  if (!co_await finish(std::move(used))) {
    // Not recorded: serving now could serve twice. The claim lapses with its lease; the proof may come again.
    co_return fail(Error::state_unavailable, "the payment state store could not record the proof; present it again shortly", {{"Retry-After", "1"}});
  }

  r.payer = payer_;
  r.transaction = core::to_lower(proof.tx_hash);
  r.verified = true;
  upstream::ForwardOptions options;
  if (!route_.payer_header.empty() && !payer_.empty()) options.request_headers.emplace_back(route_.payer_header, payer_);
  x402::SettleResult settled;
  settled.success = true;
  settled.payer = payer_;
  settled.transaction = r.transaction;
  settled.network = requirement_->network;
  settled.document = {{"success", true}, {"payer", payer_}, {"transaction", r.transaction}, {"network", requirement_->network}};
  options.response_headers = {{"X-PAYMENT-RESPONSE", x402::encode_receipt(settled)}, {"Access-Control-Expose-Headers", core::kExposedPaymentHeaders}};
  upstream::ForwardResult forwarded = co_await services_.delivery.stream(ctx_, io_, options);
  if (forwarded.error && !io_.response_started()) {
    // Nothing was served: the hash is freed (only this request's mark), so it may be presented again.
    if (!co_await services_.replay->revoke(identity_, accepted))
      core::log_event("error", "a proof whose answer never started could not be freed; it stays used",
                      {{"network", requirement_->network}, {"transaction", r.transaction}});
    r.payment = core::PaymentOutcome::not_settled;
    co_return fail(*forwarded.error, std::move(forwarded.detail));
  }
  r.payment = core::PaymentOutcome::settled;
  count("accepted");
  co_return std::nullopt;  // streamed (or, failed midway, the connection is closed)
}
#pragma GCC diagnostic pop

awaitable<std::optional<core::Reply>> ProofDriver::check(const config::Chain& chain, const chain::TransferProof& proof) {
  EvmRpc rpc(chain, *services_.worker);
  const std::string hash = core::to_lower(proof.tx_hash);
  const auto started = std::chrono::steady_clock::now();
  std::optional<Error> error;
  std::string detail;
  uint64_t head = 0, block_time = 0;
  RpcResult<std::optional<chain::EvmReceipt>> receipt = co_await rpc.receipt(hash);
  if (receipt.error) {
    error = receipt.error, detail = std::move(receipt.detail);
  } else if (receipt.value) {
    RpcResult<uint64_t> h = co_await rpc.head();
    if (h.error) {
      error = h.error, detail = std::move(h.detail);
    } else {
      head = h.value;
      const uint64_t block = receipt.value->block_number;
      RpcResult<uint64_t> t = co_await rpc.block_time(block);
      if (t.error) error = t.error, detail = std::move(t.detail);
      else block_time = t.value;
    }
  }
  if (error) {
    // The chain could not be read: nothing is known of the proof, which may be presented again.
    Ending released;
    co_await finish(std::move(released));
    co_return fail(*error, std::move(detail));
  }
  ctx_.record.facilitator_time += std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);

  std::vector<chain::ExpectedTransfer> expected;
  for (const x402::Requirement* r : requirements_) expected.push_back({r->asset, r->pay_to, r->amount});
  const chain::ProofPolicy policy{chain.confirmations, static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(chain.max_age).count())};
  const chain::ProofVerdict verdict = chain::check_transfer(receipt.value, expected, policy, head, block_time, static_cast<uint64_t>(unix_seconds()));
  if (verdict.refusal == ProofRefusal::none) {
    payer_ = verdict.payer;
    block_time_ = block_time;
    requirement_ = requirements_.at(verdict.matched);
    co_return std::nullopt;
  }
  const std::string reason(chain::refusal_code(verdict.refusal));
  if (chain::holds_for_every_route(verdict.refusal)) {
    // Reverted or too old: no route and no later block changes that. Remembered briefly, with its
    // reason, to spare the chain; not for long, so that refusals cannot fill the store. Kept as
    // delivered (used up), never as landed: a landed entry would be handed to the next presenter.
    Ending refused;
    refused.how = Finish::delivered;
    refused.receipt = std::string(kRefusedPrefix) + reason + "\n" + verdict.message;
    refused.keep = kKeepRefusal;
    refused.retention = Retention::brief;
    co_await finish(std::move(refused));
  } else {
    // Not mined or confirmed yet (present it again later), or short of what this route asks (it may
    // pay another route, where an observer must not have spoiled it first): nothing is remembered.
    Ending released;
    co_await finish(std::move(released));
  }
  co_return refuse(reason, verdict.message);
}

std::string chain_id_of(std::string_view caip2) {
  const size_t colon = caip2.find(':');
  return colon == std::string_view::npos ? std::string(caip2) : std::string(caip2.substr(colon + 1));
}

}  // namespace

awaitable<bool> mark_settled_transfer(const config::Config& config, ReplayStore& store, const std::string& network,
                                      const std::string& tx_hash) {
  const config::Chain* chain = config.chain_for(network);
  if (!chain || !chain::is_tx_hash(tx_hash)) co_return true;  // no proof can name it here
  const std::string identity = proof_identity(network, tx_hash);
  const std::chrono::milliseconds lease = 2 * config.state.timeout + std::chrono::seconds(5);
  const ClaimResult claim = co_await store.claim(identity, lease);
  if (claim.status != Claim::applied) {
    core::log_event(claim.status == Claim::unavailable ? "error" : "warning",
                    "an x402 settlement's transaction could not be marked used for pay-then-prove (a proof of it came first, or the store failed)",
                    {{"network", network}, {"transaction", core::to_lower(tx_hash)}});
    co_return false;
  }
  Ending used;
  used.how = Finish::delivered;  // used up for pay-then-prove (never "landed": no answer is owed to a proof)
  used.token = claim.token;
  used.receipt = std::string(kAcceptedPrefix) + "x402:" + request_token();
  used.keep = accepted_keep(*chain, std::chrono::seconds(0));
  used.retention = Retention::pinned;
  co_return co_await store.finish(identity, std::move(used));
}

bool has_proof_header(net::ClientIo& io) {
  return header(io, kJsonProof).has_value() || header(io, kHashProof).has_value();
}

core::Headers proof_hints(const config::Config& config, const config::Route& route) {
  const x402::Requirement* r = requirement_for(config, route, "");
  if (!r) return {};
  chain::PaymentHint hint;
  hint.amount = x402::format_units(r->amount, r->decimals);
  hint.receiver = r->pay_to;
  hint.network = r->v1_network.empty() ? r->network : r->v1_network;
  hint.token = r->asset;
  hint.chain_id = chain_id_of(r->network);
  return chain::hint_headers(hint);
}

awaitable<std::optional<core::Reply>> run_proof_flow(routing::RequestContext& ctx, net::ClientIo& io, Services& services,
                                                     const x402::ResourceInfo& resource) {
  ProofDriver driver(ctx, io, services, resource);
  co_return co_await driver.run();
}

}  // namespace x402gw::payment
