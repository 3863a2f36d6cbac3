// The reconciler against a scripted facilitator and the in-process replay store: a journaled
// unknown outcome is asked about again and resolved in the store and the journal; a restart puts
// the journal's open entries back in the store as unknown.
#include "payment/reconciler.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <filesystem>

#include "payment/memory_replay_store.hpp"
#include "payment/settled_marker.hpp"

using namespace x402gw;
using namespace x402gw::payment;

namespace {

// Answers /settle from a script; counts the calls and keeps the bodies.
class ScriptedFacilitator final : public facilitator::Facilitator {
 public:
  std::deque<facilitator::SettleOutcome> script;
  std::vector<std::string> bodies;
  std::string_view name() const override { return "fac"; }
  awaitable<facilitator::VerifyOutcome> verify(const std::string&) override { co_return facilitator::VerifyOutcome{}; }
  awaitable<facilitator::SettleOutcome> settle(const std::string& body) override {
    bodies.push_back(body);
    facilitator::SettleOutcome next = script.front();
    if (script.size() > 1) script.pop_front();
    co_return next;
  }
  awaitable<facilitator::SupportedOutcome> supported() override { co_return facilitator::SupportedOutcome{}; }
};

UnknownSettlement unknown(const std::string& id) {
  return UnknownSettlement{id, "fac", "r", "eip155:31337", "{\"settle\":\"" + id + "\"}", "digest-" + id, unix_now() + 300, unix_now()};
}

facilitator::SettleOutcome said(bool success, std::string reason) {
  facilitator::SettleOutcome o;
  o.result.success = success;
  o.result.error_reason = std::move(reason);
  o.result.payer = "0xpayer";
  if (success) o.result.transaction = "0xtx", o.result.document = {{"success", true}, {"transaction", "0xtx"}};
  return o;
}

// Runs the reconciler until `done` or a few seconds pass.
void run_until(asio::io_context& ioc, Reconciler& r, std::shared_ptr<ScriptedFacilitator> f, const std::function<bool()>& done) {
  Reconciler::FacilitatorFor lookup = [f](const std::string& name) -> std::shared_ptr<facilitator::Facilitator> {
    return name == "fac" ? f : nullptr;
  };
  asio::co_spawn(ioc, r.run(lookup), asio::detached);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) ioc.run_for(std::chrono::milliseconds(50));
  r.stop();
  ioc.run_for(std::chrono::milliseconds(100));
}

std::filesystem::path temp_dir(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string("x402gw-reconciler-") + std::to_string(::getpid()) + name);
  std::filesystem::remove_all(p);
  return p;
}

}  // namespace

TEST(Reconciler, ASuccessSettlesTheUnknownClaimWithItsMarker) {
  const auto dir = temp_dir("landed");
  MemoryReplayStore store;
  JournalContents loaded;
  SettlementJournal journal(dir.string(), loaded);
  Reconciler reconciler(&journal, store, nullptr);
  const UnknownSettlement u = unknown("id-1");
  ASSERT_EQ(store.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::applied);
  ASSERT_TRUE(store.finish_now(u.identity, Ending{Finish::unknown, {}, std::chrono::seconds(0)}));
  ASSERT_TRUE(reconciler.submit(u));
  EXPECT_EQ(reconciler.pending(), 1u);

  auto f = std::make_shared<ScriptedFacilitator>();
  f->script = {said(false, "settlement_pending"), said(true, "")};
  asio::io_context ioc;
  run_until(ioc, reconciler, f, [&] { return reconciler.pending() == 0; });

  EXPECT_EQ(reconciler.pending(), 0u);
  ASSERT_EQ(f->bodies.size(), 2u);
  EXPECT_EQ(f->bodies[0], u.body);  // the very same /settle body, every time
  const ClaimResult after = store.claim_now(u.identity, std::chrono::minutes(1));
  EXPECT_EQ(after.status, Claim::landed);  // reconciled: its answer was never delivered (R2)
  const auto marker = decode_marker(after.receipt);
  ASSERT_TRUE(marker);
  EXPECT_EQ(marker->payload_digest, "digest-id-1");
  EXPECT_EQ(marker->settlement["success"], true);
  EXPECT_EQ(marker->settlement["transaction"], "0xtx");  // the facilitator's own receipt

  // Resolved in the journal: a restart finds nothing open.
  JournalContents again;
  SettlementJournal reopened(dir.string(), again);
  EXPECT_TRUE(again.open.empty());
  std::filesystem::remove_all(dir);
}

TEST(Reconciler, ARestartPutsJournaledOutcomesBackAsUnknown) {
  const auto dir = temp_dir("restart");
  const UnknownSettlement u = unknown("id-2");
  {
    JournalContents loaded;
    SettlementJournal journal(dir.string(), loaded);
    MemoryReplayStore store;
    Reconciler reconciler(&journal, store, nullptr);
    reconciler.submit(u);  // then the process dies: nothing resolved it
  }
  JournalContents loaded;
  SettlementJournal journal(dir.string(), loaded);
  ASSERT_EQ(loaded.open.size(), 1u);
  MemoryReplayStore store;  // a fresh process: an empty store
  Reconciler reconciler(&journal, store, nullptr);
  asio::io_context ioc;
  bool restored = false;
  asio::co_spawn(ioc, reconciler.restore(loaded.open), [&](std::exception_ptr) { restored = true; });
  ioc.run();
  ASSERT_TRUE(restored);
  EXPECT_EQ(store.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::outcome_unknown);
  EXPECT_EQ(reconciler.pending(), 1u);

  // A success now: it lands with the facilitator's own receipt.
  auto f = std::make_shared<ScriptedFacilitator>();
  f->script = {said(true, "")};
  asio::io_context ioc2;
  run_until(ioc2, reconciler, f, [&] { return reconciler.pending() == 0; });
  const ClaimResult after = store.claim_now(u.identity, std::chrono::minutes(1));
  EXPECT_EQ(after.status, Claim::landed);  // reconciled: its answer was never delivered (R2)
  const auto marker = decode_marker(after.receipt);
  ASSERT_TRUE(marker);
  EXPECT_EQ(marker->settlement["transaction"], "0xtx");
  std::filesystem::remove_all(dir);
}

TEST(Reconciler, BacklogWarningNamesCountAndAge) {
  MemoryReplayStore store;
  Reconciler reconciler(nullptr, store, nullptr);
  UnknownSettlement u = unknown("id-3");
  u.recorded_at = 1000;
  reconciler.submit(u);
  EXPECT_FALSE(reconciler.backlog_warning(1000 + 299, std::chrono::seconds(300)));
  const auto w = reconciler.backlog_warning(1000 + 400, std::chrono::seconds(300));
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("1 settlement"), std::string::npos);
  EXPECT_NE(w->find("400s"), std::string::npos);
}

TEST(Reconciler, AUsedNonceAloneKeepsThePaymentUnknown) {
  MemoryReplayStore store;
  Reconciler reconciler(nullptr, store, nullptr);
  const UnknownSettlement u = unknown("id-4");
  ASSERT_EQ(store.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::applied);
  ASSERT_TRUE(store.finish_now(u.identity, Ending{Finish::unknown, {}, std::chrono::seconds(0)}));
  reconciler.submit(u);
  auto f = std::make_shared<ScriptedFacilitator>();
  f->script = {said(false, "invalid_exact_evm_nonce_already_used")};
  asio::io_context ioc;
  run_until(ioc, reconciler, f, [&] { return f->bodies.size() >= 2; });
  EXPECT_GE(f->bodies.size(), 2u);
  EXPECT_EQ(reconciler.pending(), 1u) << "still asked about";
  EXPECT_EQ(store.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::outcome_unknown) << "never served on a used nonce alone";
}

TEST(Reconciler, AnOutcomeNothingCanProveIsGivenUpKeptUnknownAndShownToTheOperator) {
  MemoryReplayStore store;
  Reconciler reconciler(nullptr, store, nullptr);
  UnknownSettlement u = unknown("id-5");
  u.recorded_at = unix_now() - 3 * 24 * 3600;  // its window and the day after are over
  u.expires_at = u.recorded_at + 60;
  ASSERT_EQ(store.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::applied);
  ASSERT_TRUE(store.finish_now(u.identity, Ending{Finish::unknown, {}, std::chrono::hours(1)}));
  reconciler.submit(u);
  auto f = std::make_shared<ScriptedFacilitator>();
  f->script = {said(false, "invalid_exact_evm_nonce_already_used")};
  asio::io_context ioc;
  run_until(ioc, reconciler, f, [&] { return reconciler.pending() == 0; });
  EXPECT_EQ(reconciler.given_up(), 1u);
  EXPECT_EQ(store.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::outcome_unknown) << "never released as paid";
  const auto w = reconciler.backlog_warning(unix_now());
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("could not be proven"), std::string::npos);
}

TEST(Reconciler, ARestoredOutcomeWhoseClaimAStoppedProcessHeldIsMarkedOnceTheLeaseEnds) {
  MemoryReplayStore store;
  const UnknownSettlement u = unknown("id-6");
  // The stopped process's claim, with a short lease left.
  ASSERT_EQ(store.claim_now(u.identity, std::chrono::milliseconds(300)).status, Claim::applied);
  Reconciler reconciler(nullptr, store, nullptr);
  asio::io_context ioc;
  asio::co_spawn(ioc, reconciler.restore({u}), asio::detached);
  ioc.run();
  auto f = std::make_shared<ScriptedFacilitator>();
  f->script = {said(false, "settlement_pending")};
  asio::io_context ioc2;
  run_until(ioc2, reconciler, f, [&] { return f->bodies.size() >= 3; });
  EXPECT_EQ(store.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::outcome_unknown)
      << "kept unknown once the stopped process's lease ended: no one may settle it again";
}

namespace {
// The memory store, with resolve() failing (as Redis frozen or restarting) while `failures` lasts:
// the unknown entry is still there, the store just could not take the verdict.
class UnansweringStore final : public ReplayStore {
 public:
  awaitable<ClaimResult> claim(const std::string& identity, std::chrono::milliseconds lease) override {
    co_return inner.claim_now(identity, lease);
  }
  awaitable<Renewal> renew(const std::string& identity, const std::string& token, std::chrono::milliseconds lease) override {
    co_return inner.renew_now(identity, token, lease);
  }
  awaitable<bool> finish(const std::string& identity, Ending ending) override { co_return inner.finish_now(identity, ending); }
  awaitable<bool> resolve(const std::string& identity, Ending ending) override {
    if (failures > 0) {
      --failures;
      co_return false;
    }
    co_return inner.resolve_now(identity, ending);
  }
  void abandon(const std::string& identity, const std::string& token) override { inner.abandon(identity, token); }
  awaitable<bool> revoke(const std::string& identity, const std::string& receipt) override { co_return inner.revoke_now(identity, receipt); }

  MemoryReplayStore inner;
  int failures = 0;
};
}  // namespace

// Found by the invariant checker (redis, seed 190002): a landed verdict that the store could not
// take (Redis frozen at that moment) was counted as written; the entry stayed unknown for good and
// every re-presentation got payment_pending (R2, R6). The verdict is written again until it holds.
TEST(Reconciler, AVerdictTheStoreCouldNotTakeIsWrittenAgain) {
  const auto dir = temp_dir("unanswered");
  UnansweringStore store;
  JournalContents loaded;
  SettlementJournal journal(dir.string(), loaded);
  Reconciler reconciler(&journal, store, nullptr);
  const UnknownSettlement u = unknown("id-u");
  ASSERT_EQ(store.inner.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::applied);
  ASSERT_TRUE(store.inner.finish_now(u.identity, Ending{Finish::unknown, {}, std::chrono::seconds(0)}));
  ASSERT_TRUE(reconciler.submit(u));
  store.failures = 1;

  auto f = std::make_shared<ScriptedFacilitator>();
  f->script = {said(true, "")};
  asio::io_context ioc;
  run_until(ioc, reconciler, f, [&] { return reconciler.pending() == 0; });

  EXPECT_EQ(reconciler.pending(), 0u);
  EXPECT_EQ(store.failures, 0);
  EXPECT_EQ(store.inner.claim_now(u.identity, std::chrono::minutes(1)).status, Claim::landed);  // R2, not payment_pending
  std::filesystem::remove_all(dir);
}
