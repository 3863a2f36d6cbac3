// FailoverFacilitator over scripted facilitators: who is called, what comes back, what the
// breakers learn.
#include "facilitator/failover.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <deque>

namespace x402gw::facilitator {
namespace {

using core::Error;

// A facilitator that answers from a script and records the calls it got.
class Scripted final : public Facilitator {
 public:
  explicit Scripted(std::string name) : name_(std::move(name)) {}
  struct Step {
    Step(std::optional<Error> e = std::nullopt, unsigned s = 200, std::string r = {})
        : error(e), status(s), retry_after(std::move(r)) {}
    std::optional<Error> error;
    unsigned status;
    std::string retry_after;
  };
  std::deque<Step> script;
  std::vector<std::string> calls;

  std::string_view name() const override { return name_; }
  awaitable<VerifyOutcome> verify(const std::string&) override { co_return answer<x402::VerifyResult>("verify"); }
  awaitable<SettleOutcome> settle(const std::string&) override { co_return answer<x402::SettleResult>("settle"); }
  awaitable<SupportedOutcome> supported() override { co_return answer<std::vector<x402::SupportedKind>>("supported"); }

 private:
  template <class R>
  Outcome<R> answer(const char* endpoint) {
    calls.emplace_back(endpoint);
    Outcome<R> out;
    Step s = script.empty() ? Step{} : script.front();
    if (!script.empty()) script.pop_front();
    out.error = s.error;
    out.status = s.error && (*s.error == Error::facilitator_connect || *s.error == Error::facilitator_timeout ||
                             *s.error == Error::settlement_timeout) ? 0 : s.status;
    out.retry_after = s.retry_after;
    out.detail = name_ + " " + endpoint;
    out.facilitator = name_;
    return out;
  }
  std::string name_;
};

template <class T>
T run(awaitable<T> a) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, std::move(a), asio::use_future);
  ioc.run();
  return f.get();
}

struct Fixture : ::testing::Test {
  Scripted a{"a"}, b{"b"}, c{"c"};
  Breaker ba{{2, std::chrono::seconds(30)}}, bb{{2, std::chrono::seconds(30)}}, bc{{2, std::chrono::seconds(30)}};
  FailoverFacilitator chain{nullptr};
  const std::string body = "{}";
  void SetUp() override {
    chain.add({&a, &ba});
    chain.add({&b, &bb});
    chain.add({&c, &bc});
  }
};

TEST_F(Fixture, TheFirstHealthyOneAnswers) {
  auto out = run(chain.verify(body));
  EXPECT_FALSE(out.error);
  EXPECT_EQ(a.calls.size(), 1u);
  EXPECT_TRUE(b.calls.empty());
  EXPECT_EQ(chain.name(), "a");
}

TEST_F(Fixture, VerifyMovesOnAfterConnectTimeout5xxAnd429) {
  a.script = {{Error::facilitator_connect}};
  b.script = {{Error::facilitator_timeout}};
  c.script = {{Error::facilitator_status, 500}};
  auto out = run(chain.verify(body));
  EXPECT_EQ(out.error, Error::facilitator_status);  // the last one's answer
  EXPECT_EQ(a.calls.size() + b.calls.size() + c.calls.size(), 3u);
  a.script = {{Error::facilitator_rate_limited, 429}};
  b.script = {{std::nullopt, 200}};
  out = run(chain.verify(body));
  EXPECT_FALSE(out.error);
  EXPECT_EQ(b.calls.size(), 2u);
}

TEST_F(Fixture, AnInvalidPaymentDoesNotMoveOn) {
  a.script = {{std::nullopt, 400}};
  auto out = run(chain.verify(body));
  EXPECT_FALSE(out.error);
  EXPECT_TRUE(b.calls.empty());
}

TEST_F(Fixture, SettleMovesOnOnlyWhenNeverSent) {
  a.script = {{Error::facilitator_connect}};
  b.script = {{Error::settlement_timeout}};
  auto out = run(chain.settle(body));
  EXPECT_EQ(out.error, Error::settlement_timeout);
  EXPECT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(b.calls.size(), 1u);
  EXPECT_TRUE(c.calls.empty());  // never a second settlement after one may have landed
  EXPECT_EQ(out.facilitator, "b");  // the unknown outcome is reconciled with the one it went to
  for (Scripted::Step s : {Scripted::Step{Error::facilitator_status, 500}, Scripted::Step{Error::facilitator_rate_limited, 429},
                           Scripted::Step{Error::settlement_unknown, 0}, Scripted::Step{Error::facilitator_write, 0}}) {
    Scripted x{"x"}, y{"y"};
    Breaker bx, by;
    FailoverFacilitator two(nullptr);
    two.add({&x, &bx});
    two.add({&y, &by});
    x.script = {s};
    auto r = run(two.settle(body));
    EXPECT_EQ(r.error, s.error);
    EXPECT_TRUE(y.calls.empty()) << core::name(*s.error);
  }
}

TEST_F(Fixture, AnOpenBreakerIsSkippedAndProbedLater) {
  a.script = {{Error::facilitator_connect}, {Error::facilitator_connect}};
  run(chain.verify(body));
  run(chain.verify(body));
  EXPECT_EQ(ba.snapshot(Breaker::Clock::now()).state, BreakerState::open);
  run(chain.verify(body));
  EXPECT_EQ(a.calls.size(), 2u);  // skipped the third time
  EXPECT_EQ(b.calls.size(), 3u);
}

TEST_F(Fixture, RetryAfterHoldsTheFacilitator) {
  a.script = {{Error::facilitator_rate_limited, 429, "120"}};
  run(chain.verify(body));
  const auto s = ba.snapshot(Breaker::Clock::now());
  EXPECT_EQ(s.state, BreakerState::open);
  EXPECT_GT(s.open_remaining, std::chrono::seconds(100));
  run(chain.settle(body));
  EXPECT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(b.calls.size(), 2u);
  // A Retry-After beyond the cap is held for the cap only.
  b.script = {{Error::facilitator_status, 503, "86400"}};
  run(chain.verify(body));
  EXPECT_LE(bb.snapshot(Breaker::Clock::now()).open_remaining, kMaxRetryAfter);
}

TEST_F(Fixture, EveryBreakerOpenIsAClearError) {
  for (Breaker* br : {&ba, &bb, &bc}) br->hold_until(Breaker::Clock::now() + std::chrono::seconds(60), Breaker::Clock::now(), "test");
  auto out = run(chain.settle(body));
  EXPECT_EQ(out.error, Error::facilitator_circuit_open);
  EXPECT_NE(out.detail.find("'a', 'b', 'c'"), std::string::npos);
  EXPECT_TRUE(a.calls.empty() && b.calls.empty() && c.calls.empty());
}

}  // namespace
}  // namespace x402gw::facilitator
