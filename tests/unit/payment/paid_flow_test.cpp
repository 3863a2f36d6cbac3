// The paid flow's transition table, exit by exit, for both settlement modes, without sockets: every
// (state, event) pair either has its row here or must fail closed.
#include "payment/paid_flow.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

using namespace x402gw;
using payment::Action;
using payment::ClaimOp;
using payment::Event;
using payment::PaidFlow;
using payment::State;
using payment::Step;
using config::OnRepeat;
using config::Settlement;
using core::PaymentOutcome;

namespace {

const std::vector<Event> kAllEvents = {
    Event::no_payment,      Event::payment_refused, Event::claim_refused,   Event::store_failed,   Event::claimed,
    Event::verify_failed,   Event::verify_invalid,  Event::verify_valid,    Event::body_failed,    Event::body_read,
    Event::upstream_failed, Event::upstream_refused, Event::upstream_answered, Event::client_gone, Event::settle_failed,
    Event::settle_unknown,  Event::settle_refused,  Event::settled,         Event::forward_failed, Event::forwarded,
    Event::claim_landed,    Event::claim_unknown,   Event::id_missing,      Event::id_conflict,    Event::id_answered,
    Event::claim_delivered, Event::lease_lost,      Event::forward_cut,     Event::nothing_to_settle, Event::override_malformed,
};

// The events that lead from start to each state.
std::vector<Event> path_to(State s, Settlement mode) {
  const bool before = mode == Settlement::before;
  switch (s) {
    case State::start: return {};
    case State::verifying: return {Event::claimed};
    case State::reading_body: return {Event::claimed, Event::verify_valid};
    case State::holding: return {Event::claimed, Event::verify_valid};
    case State::settling:
      return before ? std::vector{Event::claimed, Event::verify_valid, Event::body_read}
                    : std::vector{Event::claimed, Event::verify_valid, Event::upstream_answered};
    case State::streaming: return {Event::claimed, Event::verify_valid, Event::body_read, Event::settled};
    case State::releasing: return {Event::claimed, Event::verify_valid, Event::upstream_answered, Event::settled};
    case State::releasing_unpaid: return {Event::claimed, Event::verify_valid, Event::nothing_to_settle};
    case State::serving_again: return {Event::claim_landed};
    case State::passing: return {Event::claim_delivered};
    case State::done: return {Event::no_payment};
  }
  return {};
}

PaidFlow at(State s, Settlement mode, OnRepeat on_repeat) {
  PaidFlow flow(mode, on_repeat);
  for (Event e : path_to(s, mode)) flow.on(e);
  EXPECT_EQ(flow.state(), s) << "setting up " << payment::to_string(s);
  return flow;
}

Action next(Step step, ClaimOp claim = ClaimOp::keep, bool with_receipt = false) {
  return Action{step, claim, false, with_receipt, false, PaymentOutcome::none};
}
Action end(Step step, ClaimOp claim, PaymentOutcome outcome, bool with_receipt = false, bool rate_limited = false) {
  return Action{step, claim, rate_limited, with_receipt, true, outcome};
}

struct Row {
  Action action;
  State then;
};
using Table = std::map<std::pair<State, Event>, Row>;

// The whole table. Anything not listed fails closed.
Table table(Settlement mode, OnRepeat on_repeat = OnRepeat::refuse) {
  const bool before = mode == Settlement::before;
  Table t = {
      {{State::start, Event::no_payment}, {end(Step::challenge, ClaimOp::keep, PaymentOutcome::challenged, false, true), State::done}},
      {{State::start, Event::payment_refused}, {end(Step::challenge, ClaimOp::keep, PaymentOutcome::rejected, false, true), State::done}},
      {{State::start, Event::claim_refused}, {end(Step::challenge, ClaimOp::keep, PaymentOutcome::rejected), State::done}},
      {{State::start, Event::store_failed}, {end(Step::reply_error, ClaimOp::keep, PaymentOutcome::rejected), State::done}},
      {{State::start, Event::claimed}, {next(Step::verify), State::verifying}},
      // R2: landed, never delivered: served with the stored receipt, no /verify, no /settle; the
      // claim (taken from the store to deliver it) ends delivered, or is given back if nothing went out.
      {{State::start, Event::claim_landed}, {next(Step::stream, ClaimOp::keep, true), State::serving_again}},
      {{State::serving_again, Event::forward_failed}, {end(Step::reply_error, ClaimOp::give_back, PaymentOutcome::served_again, true), State::done}},
      {{State::serving_again, Event::forward_cut}, {end(Step::reply_error, ClaimOp::deliver, PaymentOutcome::served_again), State::done}},
      {{State::serving_again, Event::forwarded}, {end(Step::finish, ClaimOp::deliver, PaymentOutcome::served_again), State::done}},
      // A lost claim never settles.
      {{State::settling, Event::lease_lost}, {end(Step::reply_error, ClaimOp::release, PaymentOutcome::not_settled), State::done}},
      {{State::start, Event::claim_unknown}, {end(Step::pending, ClaimOp::keep, PaymentOutcome::rejected), State::done}},
      {{State::start, Event::id_missing}, {end(Step::reply_error, ClaimOp::keep, PaymentOutcome::rejected), State::done}},
      {{State::start, Event::id_conflict}, {end(Step::reply_error, ClaimOp::keep, PaymentOutcome::rejected), State::done}},
      {{State::start, Event::id_answered}, {end(Step::replay_answer, ClaimOp::keep, PaymentOutcome::served_again, true), State::done}},
      {{State::verifying, Event::verify_failed}, {end(Step::reply_error, ClaimOp::release, PaymentOutcome::verify_error), State::done}},
      {{State::verifying, Event::verify_invalid}, {end(Step::challenge, ClaimOp::release, PaymentOutcome::rejected), State::done}},
      {{State::settling, Event::client_gone}, {end(Step::finish, ClaimOp::release, PaymentOutcome::not_settled), State::done}},
      {{State::settling, Event::settle_failed}, {end(Step::reply_error, ClaimOp::release, PaymentOutcome::settle_error, true), State::done}},
      {{State::settling, Event::settle_unknown}, {end(Step::reply_error, ClaimOp::unknown, PaymentOutcome::outcome_unknown), State::done}},
      {{State::settling, Event::settle_refused}, {end(Step::challenge, ClaimOp::release, PaymentOutcome::settle_failed, true), State::done}},
  };
  if (before) {
    t[{State::verifying, Event::verify_valid}] = {next(Step::read_body), State::reading_body};
    t[{State::reading_body, Event::body_failed}] = {end(Step::reply_error, ClaimOp::release, PaymentOutcome::not_settled), State::done};
    t[{State::reading_body, Event::body_read}] = {next(Step::settle), State::settling};
    t[{State::settling, Event::settled}] = {next(Step::stream, ClaimOp::settle, true), State::streaming};
    t[{State::streaming, Event::forward_failed}] = {end(Step::reply_error, ClaimOp::give_back, PaymentOutcome::settled, true), State::done};
    t[{State::streaming, Event::forward_cut}] = {end(Step::reply_error, ClaimOp::deliver, PaymentOutcome::settled), State::done};
    t[{State::streaming, Event::forwarded}] = {end(Step::finish, ClaimOp::deliver, PaymentOutcome::settled), State::done};
  } else {
    t[{State::verifying, Event::verify_valid}] = {next(Step::hold), State::holding};
    t[{State::holding, Event::upstream_failed}] = {end(Step::reply_error, ClaimOp::release, PaymentOutcome::not_settled), State::done};
    t[{State::holding, Event::upstream_refused}] = {end(Step::release_held, ClaimOp::release, PaymentOutcome::not_settled), State::done};
    t[{State::holding, Event::upstream_answered}] = {next(Step::settle), State::settling};
    t[{State::settling, Event::settled}] = {next(Step::release_held, ClaimOp::settle, true), State::releasing};
    t[{State::releasing, Event::forward_failed}] = {end(Step::finish, ClaimOp::give_back, PaymentOutcome::settled), State::done};
    t[{State::releasing, Event::forward_cut}] = {end(Step::finish, ClaimOp::deliver, PaymentOutcome::settled), State::done};
    t[{State::releasing, Event::forwarded}] = {end(Step::finish, ClaimOp::deliver, PaymentOutcome::settled), State::done};
    // upto: a zero charge goes out unsettled with its receipt, and is used up once delivered; a
    // malformed Settlement-Overrides is an upstream error and charges nothing.
    t[{State::holding, Event::nothing_to_settle}] = {next(Step::release_held, ClaimOp::keep, true), State::releasing_unpaid};
    t[{State::holding, Event::override_malformed}] = {end(Step::reply_error, ClaimOp::release, PaymentOutcome::not_settled), State::done};
    t[{State::releasing_unpaid, Event::forward_failed}] = {end(Step::finish, ClaimOp::release, PaymentOutcome::not_settled), State::done};
    t[{State::releasing_unpaid, Event::forward_cut}] = {end(Step::finish, ClaimOp::deliver, PaymentOutcome::not_settled), State::done};
    t[{State::releasing_unpaid, Event::forwarded}] = {end(Step::finish, ClaimOp::deliver, PaymentOutcome::not_settled), State::done};
  }
  if (on_repeat == OnRepeat::pass) {
    // The opt-in pass: a delivered payment is served again, holding no claim.
    t[{State::start, Event::claim_delivered}] = {next(Step::stream, ClaimOp::keep, true), State::passing};
    t[{State::passing, Event::forward_failed}] = {end(Step::reply_error, ClaimOp::keep, PaymentOutcome::served_again, true), State::done};
    t[{State::passing, Event::forward_cut}] = {end(Step::reply_error, ClaimOp::keep, PaymentOutcome::served_again), State::done};
    t[{State::passing, Event::forwarded}] = {end(Step::finish, ClaimOp::keep, PaymentOutcome::served_again), State::done};
  } else {
    // R3: a delivered payment buys nothing more.
    t[{State::start, Event::claim_delivered}] = {end(Step::challenge, ClaimOp::keep, PaymentOutcome::rejected), State::done};
  }
  return t;
}

std::vector<State> states(Settlement mode, OnRepeat on_repeat) {
  std::vector<State> out = mode == Settlement::before
                               ? std::vector{State::start, State::verifying, State::reading_body, State::settling, State::streaming, State::serving_again, State::done}
                               : std::vector{State::start, State::verifying, State::holding, State::settling, State::releasing, State::releasing_unpaid, State::serving_again, State::done};
  if (on_repeat == OnRepeat::pass) out.push_back(State::passing);
  return out;
}

void check_every_pair(Settlement mode, OnRepeat on_repeat) {
  const Table t = table(mode, on_repeat);
  for (State s : states(mode, on_repeat)) {
    for (Event e : kAllEvents) {
      PaidFlow flow = at(s, mode, on_repeat);
      const Action got = flow.on(e);
      const std::string where = std::string(payment::to_string(s)) + " + " + std::string(payment::to_string(e));
      auto row = t.find({s, e});
      if (row != t.end()) {
        EXPECT_EQ(got, row->second.action) << where;
        EXPECT_EQ(flow.state(), row->second.then) << where;
      } else {
        // Fail closed: an internal error, the machine ends, a claim that was not settled is released,
        // a settled one is never released (given back as landed: the driver records it delivered if
        // its head went out), and a pass or an ended machine holds none.
        EXPECT_EQ(got.step, Step::reply_error) << where;
        EXPECT_TRUE(got.final) << where;
        EXPECT_EQ(flow.state(), State::done) << where;
        const bool settled = s == State::streaming || s == State::releasing || s == State::serving_again;
        const bool none = s == State::passing || s == State::done;
        EXPECT_EQ(got.claim, settled ? ClaimOp::give_back : none ? ClaimOp::keep : ClaimOp::release) << where;
      }
    }
  }
}

}  // namespace

TEST(PaidFlow, SettleAfterTransitionTable) { check_every_pair(Settlement::after, OnRepeat::refuse); }

TEST(PaidFlow, SettleBeforeTransitionTable) { check_every_pair(Settlement::before, OnRepeat::refuse); }

TEST(PaidFlow, PassTransitionTables) {
  check_every_pair(Settlement::after, OnRepeat::pass);
  check_every_pair(Settlement::before, OnRepeat::pass);
}

TEST(PaidFlow, EveryFinalActionFinishesAnOpenClaim) {
  // Once claimed, no exit may leave the claim open: each final action releases, settles, marks it
  // unknown, or comes after it was settled.
  for (Settlement mode : {Settlement::before, Settlement::after}) {
    const Table t = table(mode);
    for (const auto& [key, row] : t) {
      const auto [state, event] = key;
      // start holds no claim yet; a pass holds none.
      if (state == State::start || !row.action.final || state == State::passing) continue;
      EXPECT_NE(row.action.claim, ClaimOp::keep) << payment::to_string(state) << " + " << payment::to_string(event);
      EXPECT_NE(row.action.claim, ClaimOp::settle) << "a final action must end the claim, not hold it";
    }
  }
}

TEST(PaidFlow, OnlyUnpaidChallengesAreRateLimited) {
  for (Settlement mode : {Settlement::before, Settlement::after})
    for (const auto& [key, row] : table(mode)) {
      const bool unpaid = key.first == State::start && (key.second == Event::no_payment || key.second == Event::payment_refused);
      EXPECT_EQ(row.action.rate_limited, unpaid) << payment::to_string(key.first) << " + " << payment::to_string(key.second);
    }
}

TEST(PaidFlow, NoSettlementWithoutACompleteBodyOrAnswer) {
  // settle is reached only through body_read (before) or upstream_answered (after).
  for (Settlement mode : {Settlement::before, Settlement::after})
    for (const auto& [key, row] : table(mode))
      if (row.action.step == Step::settle) {
        EXPECT_TRUE(key.second == Event::body_read || key.second == Event::upstream_answered);
      }
}

TEST(PaidFlow, AFullSettleAfterRun) {
  PaidFlow flow(Settlement::after);
  EXPECT_EQ(flow.on(Event::claimed).step, Step::verify);
  EXPECT_EQ(flow.on(Event::verify_valid).step, Step::hold);
  EXPECT_EQ(flow.on(Event::upstream_answered).step, Step::settle);
  const Action release = flow.on(Event::settled);
  EXPECT_EQ(release.step, Step::release_held);
  EXPECT_EQ(release.claim, ClaimOp::settle);  // recorded, still held until the answer's head went out
  EXPECT_TRUE(release.with_receipt);
  EXPECT_FALSE(flow.done());
  const Action last = flow.on(Event::forwarded);
  EXPECT_EQ(last.claim, ClaimOp::deliver);
  EXPECT_EQ(last.outcome, PaymentOutcome::settled);
  EXPECT_TRUE(flow.done());
}

// Defect: `on_repeat: serve` was the default, so one payment bought many answers.
TEST(PaidFlow, ByDefaultADeliveredPaymentBuysNothingMore) {
  for (Settlement mode : {Settlement::before, Settlement::after}) {
    PaidFlow flow(mode);
    EXPECT_EQ(flow.on(Event::claim_delivered), end(Step::challenge, ClaimOp::keep, PaymentOutcome::rejected));
    EXPECT_TRUE(flow.done());
  }
}

TEST(PaidFlow, APassServesADeliveredPaymentAgainWithoutVerifyOrSettle) {
  PaidFlow flow(Settlement::after, OnRepeat::pass);
  const Action first = flow.on(Event::claim_delivered);
  EXPECT_EQ(first.step, Step::stream);
  EXPECT_TRUE(first.with_receipt);
  EXPECT_EQ(first.claim, ClaimOp::keep);
  const Action last = flow.on(Event::forwarded);
  EXPECT_EQ(last.step, Step::finish);
  EXPECT_EQ(last.outcome, PaymentOutcome::served_again);
  EXPECT_TRUE(flow.done());
}

// Defect: `on_repeat: refuse` refused a reconciled payment whose answer was never delivered.
TEST(PaidFlow, ALandedPaymentIsServedOnceWhateverOnRepeatSays) {
  for (OnRepeat on_repeat : {OnRepeat::refuse, OnRepeat::pass})
    for (Settlement mode : {Settlement::before, Settlement::after}) {
      PaidFlow flow(mode, on_repeat);
      const Action first = flow.on(Event::claim_landed);
      EXPECT_EQ(first.step, Step::stream);
      EXPECT_TRUE(first.with_receipt);
      EXPECT_EQ(flow.on(Event::forwarded).claim, ClaimOp::deliver);
    }
}

TEST(PaidFlow, APaidAnswerThatNeverWentOutLeavesThePaymentLanded) {
  PaidFlow before(Settlement::before);
  for (Event e : {Event::claimed, Event::verify_valid, Event::body_read, Event::settled}) before.on(e);
  const Action failed = before.on(Event::forward_failed);
  EXPECT_EQ(failed.claim, ClaimOp::give_back);
  EXPECT_TRUE(failed.with_receipt);  // the client learns it paid, and may present the payment again

  PaidFlow cut(Settlement::before);
  for (Event e : {Event::claimed, Event::verify_valid, Event::body_read, Event::settled}) cut.on(e);
  EXPECT_EQ(cut.on(Event::forward_cut).claim, ClaimOp::deliver);  // the head went out: delivered

  PaidFlow after(Settlement::after);
  for (Event e : {Event::claimed, Event::verify_valid, Event::upstream_answered, Event::settled}) after.on(e);
  EXPECT_EQ(after.on(Event::forward_failed).claim, ClaimOp::give_back);
}

TEST(PaidFlow, ALostClaimIsNeverSettled) {
  for (Settlement mode : {Settlement::before, Settlement::after}) {
    PaidFlow flow(mode);
    flow.on(Event::claimed);
    flow.on(Event::verify_valid);
    flow.on(mode == Settlement::before ? Event::body_read : Event::upstream_answered);
    const Action a = flow.on(Event::lease_lost);
    EXPECT_EQ(a.step, Step::reply_error);
    EXPECT_TRUE(a.final);
    EXPECT_EQ(a.outcome, PaymentOutcome::not_settled);
  }
}

TEST(PaidFlow, OnlySettledAfterAnswersAreKeptForAnIdentifier) {
  PaidFlow keeps(Settlement::after, OnRepeat::refuse, true);
  for (Event e : {Event::claimed, Event::verify_valid, Event::upstream_answered}) keeps.on(e);
  EXPECT_TRUE(keeps.on(Event::settled).keep_answer);

  PaidFlow refused(Settlement::after, OnRepeat::refuse, true);
  for (Event e : {Event::claimed, Event::verify_valid}) refused.on(e);
  EXPECT_FALSE(refused.on(Event::upstream_refused).keep_answer);  // not settled: nothing to replay

  PaidFlow plain(Settlement::after);
  for (Event e : {Event::claimed, Event::verify_valid, Event::upstream_answered}) plain.on(e);
  EXPECT_FALSE(plain.on(Event::settled).keep_answer);
}

// upto: what the upstream's answer says decides the charge, never more than one way.
TEST(PaidFlow, AZeroChargeGoesOutUnsettledAndIsUsedUpOnceDelivered) {
  PaidFlow flow(Settlement::after, OnRepeat::refuse, true);
  for (Event e : {Event::claimed, Event::verify_valid}) flow.on(e);
  const Action release = flow.on(Event::nothing_to_settle);
  EXPECT_EQ(release.step, Step::release_held);
  EXPECT_EQ(release.claim, ClaimOp::keep);  // held while it goes out: no second presentation meanwhile
  EXPECT_TRUE(release.with_receipt);        // the receipt says nothing was charged
  EXPECT_TRUE(release.keep_answer);
  EXPECT_FALSE(release.final);
  const Action done = flow.on(Event::forwarded);
  EXPECT_EQ(done.claim, ClaimOp::deliver);
  EXPECT_EQ(done.outcome, PaymentOutcome::not_settled);
  EXPECT_TRUE(flow.done());

  // Nothing went out: released, the buyer may present it again.
  PaidFlow lost(Settlement::after);
  for (Event e : {Event::claimed, Event::verify_valid, Event::nothing_to_settle}) lost.on(e);
  EXPECT_EQ(lost.on(Event::forward_failed).claim, ClaimOp::release);
}

TEST(PaidFlow, AMalformedOverrideNeverSettles) {
  PaidFlow flow(Settlement::after);
  for (Event e : {Event::claimed, Event::verify_valid}) flow.on(e);
  const Action a = flow.on(Event::override_malformed);
  EXPECT_EQ(a.step, Step::reply_error);
  EXPECT_EQ(a.claim, ClaimOp::release);
  EXPECT_FALSE(a.with_receipt);
  EXPECT_TRUE(a.final);
  EXPECT_EQ(a.outcome, PaymentOutcome::not_settled);
}
