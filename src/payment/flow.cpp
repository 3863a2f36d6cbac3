#include "payment/flow.hpp"

#include "core/strings.hpp"
#include "core/json_text.hpp"
#include "core/log.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/request_body.hpp"
#include "payment/challenge_cache.hpp"
#include "payment/claim_keeper.hpp"
#include "payment/paid_flow.hpp"
#include "payment/proof_flow.hpp"
#include "payment/reconciliation.hpp"
#include "payment/requirement_cache.hpp"
#include "payment/settle_meter.hpp"
#include "payment/settled_marker.hpp"
#include "pricing/settle_amount.hpp"
#include "x402/payment_identifier.hpp"
#include "x402/challenge.hpp"
#include "x402/facilitator_messages.hpp"
#include "x402/money.hpp"
#include "x402/payment_payload.hpp"
#include "x402/scheme.hpp"

// A rule for every coroutine call in this project: no class-type temporaries (strings, lists,
// ?: results) inside a co_await operand. GCC 12 destroys some of them twice; named locals are safe.

namespace x402gw::payment {
namespace {

using core::Error;

constexpr const char* kPlainMessage = "Payment required: pay with X-PAYMENT (x402 v1) or PAYMENT-SIGNATURE (x402 v2)";

const char* receipt_header(int version) { return version == 2 ? "PAYMENT-RESPONSE" : "X-PAYMENT-RESPONSE"; }

// A payer address as the facilitator or the payload names it goes into an upstream header and the
// access log: only a plain token (an address of any chain) is taken, never bytes that could end a
// header or start another one.
bool plain_token(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_' || c == ':'))
      return false;
  return true;
}

x402::ResourceInfo resource_of(const routing::RequestContext& ctx) {
  const config::Route& route = *ctx.route();
  const std::string base = ctx.config.public_url.empty() ? ctx.scheme() + "://" + ctx.host() : ctx.config.public_url;
  return x402::ResourceInfo{base + ctx.target().path, route.description, route.mime_type, route.output_schema};
}

// How long a claim may stay in flight if this request never finished it: longer than any request
// can take with the configured deadlines.
std::chrono::milliseconds claim_lease(const routing::RequestContext& ctx) {
  const config::Upstream& up = *ctx.upstream();
  std::chrono::milliseconds facilitators{0};  // failover may try each of the route's facilitators in turn
  for (size_t i : ctx.route()->facilitators) facilitators += ctx.config.facilitators.at(i).timeout;
  return 2 * facilitators + up.connect_timeout + 4 * up.timeout + 2 * ctx.config.timeouts.body_io + std::chrono::minutes(1);
}

// The state of one paid request between the machine's steps: payloads the machine does not hold.
class Driver {
 public:
  Driver(routing::RequestContext& ctx, net::ClientIo& io, Services& services)
      : ctx_(ctx), io_(io), services_(services), route_(*ctx.route()), resource_(resource_of(ctx)),
        requirements_(services.quote ? services.quote->requirements : route_.requirements),
        price_key_(services.quote ? services.quote->key : std::string()),
        forms_of_(services.quote ? &services.quote->requirements : nullptr), bytes_before_(io.bytes_sent) {
    if (services_.replay) keeper_.emplace(*services_.replay, services_.metrics);
    // A body read to price the request is the body forwarded: it is never read twice, nor lost.
    if (services_.quote && services_.quote->body_read) {
      had_body_ = services_.quote->had_body;
      request_body_ = std::move(services_.quote->body);
      body_taken_ = true;
    }
  }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  // Every machine exit finishes the claim; an exception unwinding through the flow must too.
  // Destroyed while /settle is in flight (the drain's deadline, a shutdown), the payment may have
  // settled: it is journaled as unknown, and its claim is left to its lease, never released.
  ~Driver() {
    // The settle intent agrees: done once the journal holds the unknown outcome, else left open
    // for the next start to recover.
    if (claim_open_ && settle_in_flight_ && services_.reconciler) {
      if (services_.reconciler->submit(unknown_settlement(unix_now()), true)) intent_done();
    } else if (claim_open_) {
      services_.replay->abandon(identity_, token_);
    }
  }

  awaitable<std::optional<core::Reply>> run();

 private:
  awaitable<Event> start();
  awaitable<Event> verify();
  awaitable<Event> read_body();
  awaitable<Event> hold();
  /// upto: what the held answer says to charge, and the /settle body that asks for it.
  Event decide_charge(std::vector<std::string> header_overrides, std::vector<std::string> trailer_overrides);
  awaitable<Event> settle();
  awaitable<Event> stream();
  /// Sends the held answer (`send`), keeping it first for its payment identifier if the action says so.
  awaitable<void> release_held(const Action& a, bool send = true);
  awaitable<void> replay_answer();
  awaitable<void> apply(ClaimOp op);
  /// Whether this request's answer counts as delivered: the first bytes of its response head were
  /// written to the client (the README's definition). After that the payment is used up.
  bool delivered_now() const { return io_.response_started() && io_.bytes_sent > bytes_before_; }
  /// What a forward that ended tells the machine: out, cut after the head, or failed before it.
  Event forward_event(bool failed) const {
    if (!failed) return delivered_now() ? Event::forwarded : Event::forward_failed;
    return delivered_now() ? Event::forward_cut : Event::forward_failed;
  }
  /// Takes the claim the store granted: its token, and a keeper that renews its lease.
  void hold_claim(const ClaimResult& claim);
  /// The /settle's write-ahead intent is no longer needed: its answer was dealt with.
  void intent_done();
  /// The payment-identifier checks; nullopt when the request goes on to its claim.
  std::optional<Event> check_identifier();
  awaitable<std::optional<core::Reply>> challenge(const Action& a);
  std::optional<core::Reply> error_reply(const Action& a);
  core::Headers receipt_headers() const;
  /// The journal's record of this payment's /settle, whose outcome is unknown.
  UnknownSettlement unknown_settlement(int64_t now) const {
    return UnknownSettlement{identity_, settled_by_.empty() ? std::string(services_.facilitator.name()) : settled_by_, route_.name,
                             ctx_.record.network, facilitator_body_, digest_, expires_at_, now};
  }
  /// What a forwarded request carries: the verified payer in the route's payer header.
  upstream::ForwardOptions forward_options() const;

  routing::RequestContext& ctx_;
  net::ClientIo& io_;
  Services& services_;
  const config::Route& route_;
  const x402::ResourceInfo resource_;
  // What a payment must match: this request's requirements (a price from the request) or the route's.
  const std::vector<x402::Requirement>& requirements_;
  const std::string price_key_;                             // the caches' key part for this request's price
  const std::vector<x402::Requirement>* const forms_of_;    // null: the route's own requirements

  int version_ = 0;
  std::optional<x402::PaymentPayload> payment_;
  const x402::Requirement* requirement_ = nullptr;
  std::string identity_;
  std::string digest_;                   // payload_digest() of the route and the payment
  int64_t expires_at_ = 0;               // when the payment can no longer settle (unix seconds)
  bool claim_open_ = false;
  std::string token_;                    // the claim's token (ClaimResult::token)
  std::chrono::milliseconds lease_{0};   // the claim's lease, renewed by keeper_
  std::optional<ClaimKeeper> keeper_;    // renews the claim while this request holds it
  const uint64_t bytes_before_;          // io_.bytes_sent before this request's answer
  std::optional<IoExecutor> executor_;   // this request's (its worker's), for the claim's renewals
  // From the /settle call until the claim is finished: the outcome may be a payment that landed.
  // Counted for the drain (which lets it end) and journaled if the Driver is destroyed meanwhile.
  std::optional<SettleInFlight> settle_in_flight_;
  std::string id_key_;                   // the payment identifier bound by this request (route and id)
  std::optional<KeptAnswer> kept_;       // the identifier's kept first answer
  std::string facilitator_body_;         // the /verify body; for /settle, with the charge as the requirement's amount
  std::string payload_text_;             // the payload's canonical text (the facilitator bodies carry it)
  size_t requirement_index_ = 0;         // requirement_'s index in the route (its meter price is per requirement)
  std::string charge_;                   // upto: what /settle is asked to charge (atomic units); else empty
  std::string settled_by_;               // the facilitator /settle went to (a failover list may skip some)
  std::string request_body_;             // settle-before: the whole request body
  bool had_body_ = false;                // the request carried a body (read into request_body_)
  bool body_taken_ = false;              // request_body_ holds the whole body already (read for pricing)
  upstream::HeldResponse held_;          // settle-after: the upstream's answer
  std::optional<x402::SettleResult> settlement_;
  SettleIntent intent_;                  // the /settle in flight, recorded before it went out
  // What the next reply says: a reason code for challenges, an error for error replies.
  std::string reason_ = "payment_required";
  std::string message_ = kPlainMessage;
  core::Headers error_headers_;  // headers of the error reply (Retry-After of a full store)
  Error error_ = Error::internal;
};

awaitable<std::optional<core::Reply>> Driver::run() {
  executor_ = co_await asio::this_coro::executor;
  Event event = co_await start();
  const bool keep_answers = services_.identifiers && !id_key_.empty() &&
                            route_.payment_identifier.mode == config::PaymentIdentifier::Mode::replay_answer;
  PaidFlow flow(route_.settlement, route_.on_repeat, keep_answers);
  for (;;) {
    const Action a = flow.on(event);
    if (a.final && a.outcome == core::PaymentOutcome::served_again) ctx_.record.transaction = settlement_ ? settlement_->transaction : "";
    co_await apply(a.claim);
    if (a.final) ctx_.record.payment = a.outcome;
    switch (a.step) {
      case Step::verify: event = co_await verify(); break;
      case Step::read_body: event = co_await read_body(); break;
      case Step::hold: event = co_await hold(); break;
      case Step::settle:
        if (io_.gone()) event = Event::client_gone;
        else if (keeper_ && !keeper_->held()) {
          // Renewals failed for a whole lease, or the store says the claim is another's now: another
          // presentation of this payment may be in flight. Not settling here keeps it to one.
          error_ = Error::state_unavailable;
          message_ = "this payment's claim was lost (the payment state store did not answer); present it again shortly";
          event = Event::lease_lost;
        } else {
          event = co_await settle();
        }
        break;
      case Step::stream: event = co_await stream(); break;
      case Step::challenge: co_return co_await challenge(a);
      case Step::reply_error: co_return error_reply(a);
      case Step::release_held:
        // Settled, and the client left meanwhile: nothing is written, the payment stays landed (R2).
        if (!a.final && io_.gone()) {
          co_await release_held(a, false);
          event = Event::forward_failed;
          break;
        }
        co_await release_held(a);
        if (a.final) co_return std::nullopt;
        event = forward_event(false);  // settled: delivered if its head went out
        break;
      case Step::replay_answer: co_await replay_answer(); co_return std::nullopt;
      case Step::pending: {
        ctx_.record.challenged = true;
        const x402::Challenge built = x402::build_challenge(requirements_, resource_, reason_, message_, route_extensions(route_));
        co_return core::ChallengeReply{built.body, built.header_value, reason_,
                                       {{"Retry-After", std::to_string(kPendingRetryAfterSeconds)}}};
      }
      case Step::finish: co_return std::nullopt;
    }
  }
}

// The payment header the client sent, decoded, matched and claimed.
awaitable<Event> Driver::start() {
  const net::RequestHead& req = io_.head();
  std::string_view header;
  if (const auto* v2 = req.find("PAYMENT-SIGNATURE")) version_ = 2, header = v2->value;
  else if (const auto* v1 = req.find("X-PAYMENT")) version_ = 1, header = v1->value;
  if (version_ == 0) co_return Event::no_payment;

  auto refuse = [&](const x402::PaymentRejection& r) {
    reason_ = r.code;
    message_ = r.message;
    return Event::payment_refused;
  };
  auto decoded = x402::decode_payment_header(header, version_);
  if (auto* rejection = std::get_if<x402::PaymentRejection>(&decoded)) co_return refuse(*rejection);
  payment_ = std::get<x402::PaymentPayload>(std::move(decoded));
  // The requirements' wire forms are the route's, built once per configuration and worker thread.
  // Taken again after each suspension: another request may have moved the cache to a new configuration.
  thread_local RequirementCache requirement_forms;
  auto matched = x402::match_requirement(*payment_, requirements_,
                                         &requirement_forms.v2(ctx_.config.generation, route_, forms_of_, price_key_).v2);
  if (auto* rejection = std::get_if<x402::PaymentRejection>(&matched)) co_return refuse(*rejection);
  const size_t index = std::get<size_t>(matched);
  requirement_ = &requirements_[index];
  auto identity = x402::scheme_for(*requirement_).identity(*payment_, *requirement_);
  if (auto* rejection = std::get_if<x402::PaymentRejection>(&identity)) co_return refuse(*rejection);
  identity_ = std::get<std::string>(std::move(identity));
  // The payload's canonical text, written once: for its digest and for the facilitator's body.
  payload_text_ = core::json_text(payment_->document);
  requirement_index_ = index;
  digest_ = payload_digest(route_.name, payload_text_);
  expires_at_ = payment_expiry(*payment_, requirement_->max_timeout_seconds, unix_now());
  if (std::optional<Event> id_event = check_identifier()) co_return *id_event;

  // One payment, one use: claimed before anything is asked of the facilitator or the upstream.
  if (services_.replay) {
    const ClaimResult claim = co_await services_.replay->claim(identity_, claim_lease(ctx_));
    switch (claim.status) {
      case Claim::applied: hold_claim(claim); break;
      case Claim::unavailable:
        // Nothing happened to this payment: its identifier must not stay bound to it.
        if (services_.identifiers && !id_key_.empty()) services_.identifiers->forget(id_key_);
        error_ = Error::state_unavailable;
        message_ = "the payment state store is unavailable; try again shortly";
        co_return Event::store_failed;
      case Claim::full:
        // No room to remember one more payment without forgetting one still valid (R3): refused
        // before anything is asked of the facilitator, so nothing is charged.
        if (services_.identifiers && !id_key_.empty()) services_.identifiers->forget(id_key_);
        error_ = Error::state_full;
        message_ = "the gateway remembers as many payments as state.max_payments allows; present the payment again after Retry-After";
        error_headers_ = {{"Retry-After", std::to_string(std::max<int64_t>(1, claim.retry_after.count()))}};
        core::log_event("warn", "replay store full: a new payment was refused", {{"route", route_.name}, {"retry_after_s", std::to_string(claim.retry_after.count())}});
        co_return Event::store_failed;
      case Claim::in_flight:
        reason_ = "payment_in_flight", message_ = "this payment is being processed by another request";
        co_return Event::claim_refused;
      case Claim::landed:
      case Claim::delivered: {
        reason_ = "payment_already_used", message_ = "this payment was already used; sign a new one";
        // Only the very payload that settled is served: its identity alone is public on chain.
        std::optional<SettledMarker> marker = decode_marker(claim.receipt);
        const bool same = marker && marker->payload_digest == digest_;
        if (claim.status == Claim::landed) {
          hold_claim(claim);
          if (!same) {  // not this payload's to deliver: given back untouched (a release of a landed claim keeps it landed)
            co_await apply(ClaimOp::release);
            co_return Event::claim_refused;
          }
        }
        if (!same) co_return Event::claim_refused;
        settlement_ = settlement_of(*marker);
        if (plain_token(settlement_->payer)) ctx_.record.payer = settlement_->payer;
        co_return claim.status == Claim::landed ? Event::claim_landed : Event::claim_delivered;
      }
      case Claim::outcome_unknown:
        reason_ = "payment_pending";
        message_ = "this payment's settlement was sent and its outcome is being reconciled; present it again after Retry-After";
        co_return Event::claim_unknown;
    }
  }
  core::ExchangeRecord& r = ctx_.record;
  r.network = requirement_->network;
  r.asset = requirement_->asset_symbol.empty() ? requirement_->asset : requirement_->asset_symbol;
  r.amount = requirement_->amount;
  const uint64_t generation = ctx_.config.generation;
  const std::string& requirement_text = version_ == 1 ? requirement_forms.v1_text(generation, route_, index, resource_, forms_of_, price_key_)
                                                      : requirement_forms.v2(generation, route_, forms_of_, price_key_).v2_text[index];
  facilitator_body_ = x402::facilitator_request_body(version_, payload_text_, requirement_text);
  co_return Event::claimed;
}

void Driver::hold_claim(const ClaimResult& claim) {
  claim_open_ = true;
  token_ = claim.token;
  lease_ = claim.lease;
  if (keeper_) keeper_->start(*executor_, identity_, token_, lease_);
}

std::optional<Event> Driver::check_identifier() {
  const config::PaymentIdentifier& policy = route_.payment_identifier;
  if (!policy.enabled) return std::nullopt;
  const x402::PaymentIdOf id = x402::payment_id_of(*payment_);
  if (id.present && !id.valid) {
    error_ = Error::payment_identifier_missing;
    message_ = "the payment identifier must be 16 to 128 characters of A-Z, a-z, 0-9, '_' and '-'";
    return Event::id_missing;
  }
  if (!id.present) {
    if (!policy.required) return std::nullopt;
    error_ = Error::payment_identifier_missing;
    message_ = "this route requires the payment-identifier extension: send extensions[\"payment-identifier\"].info.id";
    return Event::id_missing;
  }
  if (!services_.identifiers) return std::nullopt;
  std::string key = route_.name;
  key += '\n';
  key += id.id;
  std::optional<KeptAnswer> kept;
  switch (services_.identifiers->bind(key, digest_, policy.ttl, &kept)) {
    case IdSeen::conflict:
      error_ = Error::payment_identifier_conflict;
      message_ = "this payment identifier was used with a different payment; use a new identifier for a new payment";
      return Event::id_conflict;
    case IdSeen::same:
      if (kept && policy.mode == config::PaymentIdentifier::Mode::replay_answer) {
        kept_ = std::move(kept);
        return Event::id_answered;
      }
      break;
    case IdSeen::fresh: break;
  }
  id_key_ = std::move(key);
  return std::nullopt;
}

awaitable<Event> Driver::verify() {
  facilitator::VerifyOutcome verified = co_await services_.facilitator.verify(facilitator_body_);
  ctx_.record.facilitator_time += verified.elapsed;
  if (verified.error) {
    error_ = *verified.error;
    message_ = std::move(verified.detail);
    co_return Event::verify_failed;
  }
  const std::string named = x402::scheme_for(*requirement_).payer(*payment_);
  ctx_.record.payer = plain_token(verified.result.payer) ? verified.result.payer : plain_token(named) ? named : std::string();
  if (!verified.result.valid) {
    reason_ = verified.result.invalid_reason;
    message_ = verified.result.invalid_message.empty() ? "the facilitator found the payment invalid" : verified.result.invalid_message;
    co_return Event::verify_invalid;
  }
  ctx_.record.verified = true;
  co_return Event::verify_valid;
}

awaitable<Event> Driver::read_body() {
  if (body_taken_) co_return Event::body_read;
  had_body_ = io_.body_pending();
  std::optional<net::BodyFailure> failure = co_await net::read_whole_body(io_, request_body_);
  if (!failure) co_return Event::body_read;
  error_ = failure->error;
  message_ = std::move(failure->message);
  co_return Event::body_failed;
}

awaitable<Event> Driver::hold() {
  upstream::ForwardOptions options = forward_options();
  if (body_taken_ && had_body_) options.body = &request_body_;
  upstream::HeldResult held = co_await services_.delivery.hold(ctx_, io_, options, ctx_.config.limits.max_buffered_response);
  if (held.result.error) {
    error_ = *held.result.error;
    message_ = std::move(held.result.detail);
    co_return Event::upstream_failed;
  }
  held_ = std::move(held.response);
  // The upstream's word on the charge is the gateway's to read, never the client's to see: taken
  // out of the header and the trailers of every held answer, whatever the scheme.
  std::vector<std::string> header_overrides, trailer_overrides;
  for (const auto& field : held_)
    if (core::iequals(field.name_string(), pricing::kSettlementOverridesHeader)) header_overrides.emplace_back(field.value());
  held_.erase(pricing::kSettlementOverridesHeader);
  for (auto& [name, value] : held.trailers)
    if (core::iequals(name, pricing::kSettlementOverridesHeader)) trailer_overrides.push_back(std::move(value));
  if (requirement_->scheme != "upto") co_return held_.result_int() >= 400 ? Event::upstream_refused : Event::upstream_answered;
  co_return decide_charge(std::move(header_overrides), std::move(trailer_overrides));
}

Event Driver::decide_charge(std::vector<std::string> header_overrides, std::vector<std::string> trailer_overrides) {
  pricing::SettleInputs in;
  in.status = held_.result_int();
  in.headers = std::move(header_overrides);
  in.trailers = std::move(trailer_overrides);
  in.maximum = requirement_->amount;
  in.decimals = requirement_->decimals;
  if (in.status < 400 && in.headers.empty() && in.trailers.empty())
    in.meter = read_meter(route_, requirement_index_, requirement_->amount, held_, io_.head().method() == bhttp::verb::head,
                          ctx_.record.upstream_time, services_.metrics);
  const pricing::SettleDecision d = pricing::decide_settle_amount(in);
  if (services_.metrics) services_.metrics->settle_amount(route_.name, pricing::decision_label(d, in.status));
  if (in.status >= 400) return Event::upstream_refused;
  switch (d.kind) {
    case pricing::SettleKind::malformed:
      error_ = Error::upstream_bad_settlement_override;
      // The reason quotes what the upstream named: the operator's log gets it, the client never
      // sees the upstream's word on the charge (not even an unreadable one).
      message_ = "the upstream's answer names its charge in a form the gateway cannot read; nothing was charged";
      core::log_event("warn", "an upto answer's Settlement-Overrides could not be read; nothing was charged",
                      {{"route", route_.name}, {"reason", d.error}});
      return Event::override_malformed;
    case pricing::SettleKind::nothing:
      ctx_.record.amount = "0";
      settlement_ = x402::nothing_settled(ctx_.record.network, ctx_.record.payer);
      return Event::nothing_to_settle;
    case pricing::SettleKind::charge: break;
  }
  if (d.clamped)
    core::log_event("warn", "an upto answer asked for more than the buyer authorized; the maximum is charged",
                    {{"route", route_.name}, {"requested", d.requested}, {"maximum", requirement_->amount}});
  charge_ = d.amount;
  ctx_.record.amount = d.amount;
  if (charge_ != requirement_->amount) {
    // /settle carries the same payload and requirements whose amount is the charge (the upto
    // scheme); this body is also what the journal keeps, so a reconciled settlement asks the same.
    x402::Requirement charged = *requirement_;
    charged.amount = charge_;
    const std::string requirement_text = core::json_text(version_ == 1 ? x402::to_v1_json(charged, resource_) : x402::to_v2_json(charged));
    facilitator_body_ = x402::facilitator_request_body(version_, payload_text_, requirement_text);
  }
  return Event::upstream_answered;
}

awaitable<Event> Driver::settle() {
  settle_in_flight_.emplace(services_.reconciler);
  // Write-ahead: should the process die while the /settle is in flight, the next start finds the
  // intent and reconciles it as an unknown outcome (settle_intents.hpp).
  if (services_.intents) {
    intent_ = services_.intents->record(unknown_settlement(unix_now()));
    if (!intent_ && services_.metrics) services_.metrics->settle_intent_unrecorded();
  }
  facilitator::SettleOutcome settled = co_await services_.facilitator.settle(facilitator_body_);
  ctx_.record.facilitator_time += settled.elapsed;
  settled_by_ = settled.facilitator;
  if (settled.error) {
    error_ = *settled.error;
    message_ = std::move(settled.detail);
    // A 5xx, or a 2xx that is no SettleResponse, came from a facilitator that had the settlement:
    // it may have landed, so it is reconciled like an unanswered one, never "failed" (R5) nor
    // released for a second /settle (R1). (facilitator/settle_answer classifies most such answers
    // as settlement_unknown already; this holds for any path that reports them otherwise.)
    // An unknown outcome keeps its intent until the journal holds it (apply, ClaimOp::unknown).
    const bool had_it = error_ == Error::facilitator_bad_response || (error_ == Error::facilitator_status && settled.status >= 500);
    if (error_ == Error::settlement_unknown || error_ == Error::settlement_timeout || had_it) co_return Event::settle_unknown;
    intent_done();
    settlement_ = x402::failed_settlement(std::string(core::public_code(error_)), message_, ctx_.record.network, ctx_.record.payer);
    co_return Event::settle_failed;
  }
  intent_done();
  settlement_ = std::move(settled.result);
  if (!settlement_->success) {
    reason_ = settlement_->error_reason;
    message_ = settlement_->error_message.empty() ? "the facilitator could not settle the payment" : settlement_->error_message;
    co_return Event::settle_refused;
  }
  ctx_.record.transaction = settlement_->transaction;
  if (plain_token(settlement_->payer)) ctx_.record.payer = settlement_->payer;
  if (!charge_.empty()) {
    // The receipt names what was charged (SettleResponse.amount); a facilitator that leaves it out
    // gets it filled in with what it was asked to settle.
    auto& doc = settlement_->document;
    if (!doc.contains("amount") || !doc["amount"].is_string()) {
      doc["amount"] = charge_;
    } else if (doc["amount"].get<std::string>() != charge_) {
      core::log_event("warn", "the facilitator settled another amount than the one asked for",
                      {{"route", route_.name}, {"asked", charge_}, {"settled", doc["amount"]}});
      if (x402::is_atomic_amount(doc["amount"].get<std::string>())) ctx_.record.amount = doc["amount"].get<std::string>();
    }
  }
  // The settlement is a token transfer to pay_to: its hash must not pay a `proof: tx_hash` route too.
  if (services_.replay) co_await mark_settled_transfer(ctx_.config, *services_.replay, ctx_.record.network, settlement_->transaction);
  co_return Event::settled;
}

awaitable<Event> Driver::stream() {
  // Paid already: a client that left gets nothing, and the payment stays landed for its next
  // presentation (R2) rather than be counted delivered into a closed connection.
  if (io_.gone()) {
    error_ = Error::client_gone;
    message_ = "the client closed its connection before the answer";
    co_return Event::forward_failed;
  }
  upstream::ForwardOptions options = forward_options();
  options.response_headers = receipt_headers();
  // A streamed answer (settled before it, or served again) never shows the client the upstream's
  // word on the charge either; its trailers are not relayed.
  static constexpr std::string_view kGatewayOnly[] = {pricing::kSettlementOverridesHeader};
  options.strip_response_headers = kGatewayOnly;
  if (had_body_) options.body = &request_body_;
  upstream::ForwardResult result = co_await services_.delivery.stream(ctx_, io_, options);
  if (!result.error) co_return forward_event(false);
  error_ = *result.error;
  message_ = std::move(result.detail);
  co_return forward_event(true);
}

// Hop-by-hop and framing headers are the writer's, never part of a kept answer.
bool kept_header(std::string_view name) {
  for (std::string_view skip : {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer",
                                "upgrade", "proxy-connection"})
    if (core::iequals(name, skip)) return false;
  return true;
}

awaitable<void> Driver::release_held(const Action& a, bool send) {
  const core::Headers headers = a.with_receipt ? receipt_headers() : core::Headers{};
  const uint64_t max = route_.payment_identifier.max_bytes;
  std::optional<KeptAnswer> answer;
  if (send && a.keep_answer && services_.identifiers && !id_key_.empty() && held_.body().size() <= max) {
    answer.emplace();
    answer->status = held_.result_int();
    for (const auto& field : held_)
      if (kept_header(field.name_string())) answer->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    for (const auto& h : headers) answer->headers.push_back(h);
    answer->body = held_.body();
  }
  if (send) co_await services_.delivery.release(ctx_, io_, held_, headers);
  // Kept only once delivered: a kept answer is replayed without touching the claim, so one that
  // never went out would leave the payment landed, to be served again once the id is forgotten (R2).
  if (answer && delivered_now()) services_.identifiers->keep(id_key_, std::move(*answer), max);
}

awaitable<void> Driver::replay_answer() {
  upstream::HeldResponse response{static_cast<bhttp::status>(kept_->status), 11};
  for (const auto& [name, value] : kept_->headers) response.insert(name, value);
  response.body() = kept_->body;
  const core::Headers none;
  co_await services_.delivery.release(ctx_, io_, response, none);
}

awaitable<void> Driver::apply(ClaimOp op) {
  if (op == ClaimOp::keep || !claim_open_) co_return;
  // "Delivered" is decided here, in one place: an answer whose head went out is never given back.
  if (op == ClaimOp::give_back && delivered_now()) op = ClaimOp::deliver;
  const int64_t now = unix_now();
  Ending ending;
  ending.token = token_;
  // Remembered for longer than the payment could be presented: past its expiry, with a margin.
  auto settled_marker = [&] {
    if (settlement_) ending.receipt = encode_marker(SettledMarker{digest_, settlement_->document});
    ending.keep = keep_for(expires_at_, now, std::chrono::minutes(10));
  };
  switch (op) {
    case ClaimOp::settle:
      ending.how = Finish::settled;
      ending.hold = true;  // this request goes on to deliver the answer
      settled_marker();
      break;
    case ClaimOp::deliver:
      ending.how = Finish::delivered;
      settled_marker();
      break;
    case ClaimOp::give_back:
      ending.how = Finish::settled;
      settled_marker();
      break;
    case ClaimOp::unknown: {
      ending.how = Finish::unknown;
      ending.keep = unknown_keep(ctx_.record.network, expires_at_, now);
      // Journaled durably: the intent is redundant (kept, for recovery, when the journal failed).
      if (services_.reconciler && services_.reconciler->submit(unknown_settlement(now))) intent_done();
      break;
    }
    default:
      ending.how = Finish::released;
      // Not settled: the client may sign again under the same identifier.
      if (services_.identifiers && !id_key_.empty()) services_.identifiers->forget(id_key_);
      break;
  }
  if (!ending.hold) {  // the claim ends here: no more renewals
    claim_open_ = false;
    if (keeper_) keeper_->stop();
  }
  const bool recorded = co_await record_ending(*services_.replay, services_.metrics, identity_, ending);
  settle_in_flight_.reset();  // the outcome is recorded (or handed to record_in_background below)
  if (recorded || ending.how == Finish::released) co_return;
  if (ending.hold) {
    // The settlement is not recorded yet: the answer goes out anyway (it was paid for), and the
    // final write after it (delivered or landed) records the settlement with it.
    if (services_.metrics) services_.metrics->claim_lease_event("record_failed");
    co_return;
  }
  // A settlement or an unknown outcome that the store could not take must not leave the payment
  // claimable again once the lease runs out: keep the claim and keep trying (defect: finish ignored).
  record_in_background(*executor_, *services_.replay, services_.metrics, identity_, std::move(ending), lease_);
}

void Driver::intent_done() {
  if (!intent_) return;
  services_.intents->done(intent_);
  intent_ = SettleIntent{};
}

upstream::ForwardOptions Driver::forward_options() const {
  upstream::ForwardOptions options;
  if (!route_.payer_header.empty() && !ctx_.record.payer.empty())
    options.request_headers.emplace_back(route_.payer_header, ctx_.record.payer);
  // A json meter reads the answer's text: a compressed answer would hide the usage and be charged
  // the maximum, so the upstream is asked for the plain one.
  if (route_.meter.kind == config::MeterSpec::Kind::json) options.request_headers.emplace_back("Accept-Encoding", "identity");
  return options;
}

core::Headers Driver::receipt_headers() const {
  if (!settlement_) return {};
  return {{receipt_header(version_), x402::encode_receipt(*settlement_)}, {"Access-Control-Expose-Headers", core::kExposedPaymentHeaders}};
}

awaitable<std::optional<core::Reply>> Driver::challenge(const Action& a) {
  // The limiter is for floods of unpaid requests; a paid request's answer is never replaced by 429.
  // (An unpaid request to a pricer route took its challenge before the pricer was asked.)
  if (a.rate_limited && services_.challenge_limiter && !(services_.quote && services_.quote->challenge_taken)) {
    const Allowance allowance = co_await services_.challenge_limiter->take(ctx_.record.client);
    if (allowance == Allowance::limited)
      co_return core::ErrorReply{Error::rate_limited, "too many payment challenges for this client address; slow down", {{"Retry-After", "1"}}};
    if (allowance == Allowance::unavailable)
      co_return core::ErrorReply{Error::state_unavailable, "the payment state store is unavailable; try again shortly", {{"Retry-After", "1"}}};
  }
  ctx_.record.challenged = true;
  // The plain challenge is the same for every unpaid request of a route and host: built once.
  thread_local ChallengeCache cache;
  x402::Challenge built = reason_ == "payment_required" && message_ == kPlainMessage
                              ? cache.get(ctx_.config.generation, route_, resource_, message_, forms_of_, price_key_)
                              : x402::build_challenge(requirements_, resource_, reason_, message_, route_extensions(route_));
  core::ChallengeReply reply{std::move(built.body), std::move(built.header_value), reason_, {}};
  if (a.with_receipt) reply.headers = receipt_headers();
  co_return reply;
}

std::optional<core::Reply> Driver::error_reply(const Action& a) {
  if (io_.response_started()) return std::nullopt;  // the connection is closed instead
  core::ErrorReply reply{error_, message_, error_headers_};
  if (a.with_receipt) reply.headers = receipt_headers();
  return reply;
}

}  // namespace

awaitable<std::optional<core::Reply>> run_paid_flow(routing::RequestContext& ctx, net::ClientIo& io, Services& services) {
  const bool proof_route = ctx.route()->proof == config::Proof::tx_hash;
  if (proof_route && has_proof_header(io)) {
    const x402::ResourceInfo resource = resource_of(ctx);
    co_return co_await run_proof_flow(ctx, io, services, resource);
  }
  Driver driver(ctx, io, services);
  std::optional<core::Reply> reply = co_await driver.run();
  // Pay-then-prove clients read what to pay from hint headers beside the x402 challenge.
  if (auto* challenge = proof_route && reply ? std::get_if<core::ChallengeReply>(&*reply) : nullptr)
    for (auto& h : proof_hints(ctx.config, *ctx.route())) challenge->headers.push_back(std::move(h));
  co_return reply;
}

}  // namespace x402gw::payment
