// The failover decision table: per error kind and per call kind.
#include "facilitator/failover_policy.hpp"

#include <gtest/gtest.h>

namespace x402gw::facilitator {
namespace {

using core::Error;

struct Row {
  std::optional<Error> error;
  unsigned status;
  bool failure;        // counts against the breaker
  bool next_verify;    // verify and supported may move on
  bool next_settle;    // settle may move on
};

TEST(FailoverPolicy, DecisionTable) {
  const Row rows[] = {
      // transport, before anything was sent: every call moves on
      {Error::facilitator_resolve, 0, true, true, true},
      {Error::facilitator_connect, 0, true, true, true},
      {Error::facilitator_connect_timeout, 0, true, true, true},
      {Error::facilitator_tls, 0, true, true, true},
      // the request may have been (partly) written: settle stays
      {Error::facilitator_write, 0, true, true, false},
      {Error::facilitator_read, 0, true, true, false},
      {Error::facilitator_timeout, 0, true, true, false},
      {Error::settlement_unknown, 0, true, true, false},
      {Error::settlement_timeout, 0, true, true, false},
      {Error::facilitator_bad_response, 200, true, true, false},
      // answers
      {Error::facilitator_status, 500, true, true, false},
      {Error::facilitator_status, 502, true, true, false},
      {Error::facilitator_rate_limited, 429, true, true, false},
      {std::nullopt, 503, true, true, false},  // a 5xx whose body still parsed
      {Error::facilitator_status, 401, false, false, false},
      {Error::facilitator_status, 404, false, false, false},
      {std::nullopt, 400, false, false, false},  // a well-formed refusal: an invalid payment
      {std::nullopt, 200, false, false, false},
  };
  for (const Row& r : rows) {
    const AttemptResult a{r.error, r.status};
    const std::string label = std::string(r.error ? core::name(*r.error) : "ok") + " " + std::to_string(r.status);
    EXPECT_EQ(is_failure(a), r.failure) << label;
    EXPECT_EQ(may_try_next(Call::verify, a), r.next_verify) << label;
    EXPECT_EQ(may_try_next(Call::supported, a), r.next_verify) << label;
    EXPECT_EQ(may_try_next(Call::settle, a), r.next_settle) << label;
  }
}

TEST(FailoverPolicy, OnlyErrorsBeforeTheRequestWentOutAreNeverSent) {
  for (Error e : {Error::facilitator_resolve, Error::facilitator_connect, Error::facilitator_connect_timeout,
                  Error::facilitator_tls, Error::facilitator_circuit_open})
    EXPECT_TRUE(never_sent(e)) << core::name(e);
  for (Error e : {Error::facilitator_write, Error::facilitator_read, Error::facilitator_timeout, Error::settlement_unknown,
                  Error::settlement_timeout, Error::facilitator_status, Error::facilitator_bad_response})
    EXPECT_FALSE(never_sent(e)) << core::name(e);
}

}  // namespace
}  // namespace x402gw::facilitator
