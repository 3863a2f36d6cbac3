// The one map from errors to replies: every error's status and public code, and how each kind of
// reply is rendered.
#include "http/replies.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <sstream>
#include <vector>

#include "support/allocation_counter.hpp"

using namespace x402gw;
using core::Error;

namespace {
const Error kLast = Error::internal;

// The bytes a reply goes out as, read back by Beast's parser: what a client sees.
boost::beast::http::response<boost::beast::http::string_body> parsed(const core::Reply& reply, unsigned version,
                                                                       bool keep_alive, bool head) {
  const http::WireReply wire = http::render(reply, version, keep_alive, head);
  boost::beast::http::response_parser<boost::beast::http::string_body> parser;
  parser.eager(true);
  if (head) parser.skip(true);
  const std::string bytes = wire.head + std::string(wire.body());
  boost::system::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(used, bytes.size()) << "no byte after the message";
  return parser.release();
}
}

TEST(Replies, StatusTable) {
  const std::map<Error, unsigned> expected = {
      {Error::bad_request, 400}, {Error::invalid_host, 400}, {Error::invalid_target, 400}, {Error::target_too_long, 414},
      {Error::header_too_large, 431}, {Error::body_too_large, 413}, {Error::request_timeout, 408},
      {Error::route_not_found, 404}, {Error::rate_limited, 429}, {Error::too_many_connections, 503},
      {Error::client_gone, 499}, {Error::payment_identifier_missing, 400}, {Error::payment_identifier_conflict, 409},
      {Error::chunk_framing_too_large, 400}, {Error::invalid_method, 400}, {Error::duplicate_payment_header, 400},
      {Error::upstream_resolve, 502}, {Error::upstream_connect, 502},
      {Error::upstream_connect_timeout, 504}, {Error::upstream_tls, 502}, {Error::upstream_write, 502},
      {Error::upstream_read, 502}, {Error::upstream_timeout, 504}, {Error::upstream_bad_response, 502},
      {Error::upstream_response_too_large, 502}, {Error::upstream_bad_settlement_override, 502}, {Error::facilitator_resolve, 503}, {Error::facilitator_connect, 503},
      {Error::facilitator_connect_timeout, 503}, {Error::facilitator_tls, 503}, {Error::facilitator_write, 503},
      {Error::facilitator_read, 503}, {Error::facilitator_timeout, 504}, {Error::facilitator_status, 502},
      {Error::facilitator_rate_limited, 503}, {Error::facilitator_circuit_open, 503}, {Error::facilitator_bad_response, 502}, {Error::facilitator_auth, 502}, {Error::settlement_unknown, 502}, {Error::settlement_timeout, 504},
      {Error::chain_unavailable, 502}, {Error::chain_timeout, 504},
      // Prices from the request: a client fault; the pricer: refused is 403, any failure 503 (never free).
      {Error::unpriceable_request, 400}, {Error::price_not_in_table, 400}, {Error::pricer_refused, 403},
      {Error::pricer_unavailable, 503}, {Error::pricer_timeout, 503}, {Error::pricer_bad_response, 503},
      {Error::pricer_circuit_open, 503}, {Error::state_unavailable, 503}, {Error::state_full, 503}, {Error::admin_not_found, 404}, {Error::admin_method_not_allowed, 405},
      {Error::admin_unauthorized, 401}, {Error::admin_cross_site, 403}, {Error::admin_token_required, 403},
      {Error::invalid_config, 422}, {Error::forward_auth_untrusted, 403}, {Error::forward_auth_incomplete, 400},
      {Error::forward_auth_not_found, 404}, {Error::internal, 500},
  };
  ASSERT_EQ(expected.size(), static_cast<size_t>(kLast)) << "every error needs a row";
  for (const auto& [error, status] : expected) EXPECT_EQ(http::status_of(error), status) << core::name(error);
}

TEST(Replies, PublicCodesStayTheDocumentedOnes) {
  EXPECT_EQ(core::public_code(Error::upstream_connect), "upstream_unavailable");
  EXPECT_EQ(core::public_code(Error::upstream_tls), "upstream_unavailable");
  EXPECT_EQ(core::public_code(Error::upstream_read), "upstream_reset");
  EXPECT_EQ(core::public_code(Error::upstream_connect_timeout), "upstream_timeout");
  EXPECT_EQ(core::public_code(Error::facilitator_read), "facilitator_unavailable");
  EXPECT_EQ(core::public_code(Error::facilitator_status), "facilitator_error");
  EXPECT_EQ(core::public_code(Error::facilitator_auth), "facilitator_auth");
  EXPECT_EQ(core::public_code(Error::internal), "internal_error");
  EXPECT_EQ(core::public_code(Error::payment_identifier_missing), "payment_identifier_required");
  EXPECT_EQ(core::public_code(Error::payment_identifier_conflict), "payment_identifier_conflict");
  EXPECT_EQ(core::public_code(Error::pricer_circuit_open), "pricer_unavailable");
  // Client faults are 4xx, everything else 5xx.
  for (int i = 1; i <= static_cast<int>(kLast); ++i) {
    const auto e = static_cast<Error>(i);
    const unsigned status = http::status_of(e);
    if (core::is_upstream(e) || core::is_facilitator(e)) {
      EXPECT_GE(status, 500u) << core::name(e);
    }
    EXPECT_FALSE(core::public_code(e).empty());
    EXPECT_EQ(core::make_error_code(e).category().name(), std::string("x402gw"));
    EXPECT_FALSE(core::make_error_code(e).message().empty());
  }
}

TEST(Replies, ErrorBodyIsJsonEvenForInvalidUtf8) {
  const std::string body = http::error_body(Error::bad_request, "bad \xff host");
  auto doc = nlohmann::json::parse(body);
  EXPECT_EQ(doc["error"], "bad_request");
  EXPECT_NE(doc["message"].get<std::string>().find("bad "), std::string::npos);
}

TEST(Replies, RendersAnErrorWithItsHeaders) {
  auto res = parsed(core::ErrorReply{Error::rate_limited, "slow down", {{"Retry-After", "1"}}}, 11, true, false);
  EXPECT_EQ(res.result_int(), 429u);
  EXPECT_EQ(res["Retry-After"], "1");
  EXPECT_EQ(res[boost::beast::http::field::content_type], "application/json");
  EXPECT_EQ(res[boost::beast::http::field::cache_control], "no-store");
  EXPECT_EQ(nlohmann::json::parse(res.body())["error"], "rate_limited");
  EXPECT_TRUE(res.keep_alive());
}

TEST(Replies, RendersAChallenge) {
  auto res = parsed(core::ChallengeReply{"{\"x402Version\":1}", "e30=", "payment_required", {}}, 11, false, false);
  EXPECT_EQ(res.result_int(), 402u);
  EXPECT_EQ(res["PAYMENT-REQUIRED"], "e30=");
  EXPECT_NE(res[boost::beast::http::field::access_control_expose_headers].find("PAYMENT-REQUIRED"), std::string::npos);
  EXPECT_EQ(res.body(), "{\"x402Version\":1}");
  EXPECT_FALSE(res.keep_alive());
}

TEST(Replies, HeadKeepsTheLengthAndDropsTheBody) {
  auto res = parsed(core::DocumentReply{200, "hello", "text/plain", {}}, 11, true, true);
  EXPECT_EQ(res[boost::beast::http::field::content_length], "5");
  EXPECT_TRUE(res.body().empty());
}

TEST(Replies, RecordedErrorCodes) {
  EXPECT_EQ(http::recorded_error(core::ErrorReply{Error::upstream_tls, "", {}}), "upstream_unavailable");
  EXPECT_EQ(http::recorded_error(core::ChallengeReply{"", "", "payment_required", {}}), "");
  EXPECT_EQ(http::recorded_error(core::ChallengeReply{"", "", "insufficient_funds", {}}), "insufficient_funds");
  EXPECT_EQ(http::recorded_error(core::DocumentReply{}), "");
}

// The hand-written head is what Beast's own serializer writes for the same response.
TEST(Replies, HeadIsByteForByteWhatBeastWouldWrite) {
  namespace bhttp = boost::beast::http;
  const std::vector<core::Reply> replies = {
      core::ErrorReply{Error::rate_limited, "slow down", {{"Retry-After", "1"}}},
      core::ErrorReply{Error::client_gone, "gone", {{"cache-control", "private"}}},
      core::ChallengeReply{"{\"x402Version\":1}", "e30=", "payment_required", {{"X-Extra", "a"}}},
      core::DocumentReply{308, "", "text/plain", {{"Location", "https://a.example/"}}},
  };
  for (const auto& reply : replies)
    for (unsigned version : {10u, 11u})
      for (bool keep_alive : {false, true})
        for (bool head : {false, true}) {
          const http::WireReply wire = http::render(reply, version, keep_alive, head);
          const auto res = parsed(reply, version, keep_alive, head);
          std::ostringstream beast;
          beast << res;
          EXPECT_EQ(wire.head + std::string(wire.body()), beast.str()) << version << keep_alive << head;
          EXPECT_EQ(res.keep_alive(), keep_alive);
        }
}

// Every challenge and local reply is rendered per request: its head is written with one
// allocation, the head itself, whatever the number of fields.
TEST(Replies, RenderingAllocatesOnlyTheHead) {
  core::DocumentReply doc;
  doc.body = R"({"ok":true})";
  doc.headers = {{"X-One", "1"}, {"X-Two", "2"}, {"Vary", "Accept"}};
  const core::Reply reply = doc;
  test_support::AllocationCounter counter;
  const http::WireReply wire = http::render(reply, 11, false, false);
  EXPECT_EQ(counter.count(), 1u);
  EXPECT_NE(wire.head.find("X-Two: 2\r\n"), std::string::npos);
  EXPECT_NE(wire.head.find("Connection: close\r\n"), std::string::npos);
}
