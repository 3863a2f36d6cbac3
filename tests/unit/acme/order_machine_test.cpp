#include "acme/order_machine.hpp"

#include <gtest/gtest.h>

using namespace x402gw::acme;
using Kind = Action::Kind;
using x402gw::config::AcmeChallenge;

namespace {

const char* kDirectory = R"({"newNonce":"https://ca/nonce","newAccount":"https://ca/acct","newOrder":"https://ca/order"})";
const char* kOrder = R"({"status":"pending","authorizations":["https://ca/authz/1"],"finalize":"https://ca/fin/1"})";
const char* kAuthzPending = R"({"status":"pending","identifier":{"type":"dns","value":"a.example"},
  "challenges":[{"type":"dns-01","url":"https://ca/chal/dns","token":"d"},{"type":"http-01","url":"https://ca/chal/http","token":"tok"}]})";

OrderMachine machine(AcmeChallenge type = AcmeChallenge::http_01) {
  return OrderMachine("https://ca/dir", {"a.example"}, "ops@a.example", type, "THUMB", "CSR", std::chrono::milliseconds(10));
}

Action expect_send(OrderMachine& m, const std::string& url) {
  Action a = m.next();
  EXPECT_EQ(a.kind, Kind::send) << a.text;
  EXPECT_EQ(a.request.url, url);
  return a;
}

// Drives the machine up to the point where the challenge has been accepted.
void to_challenge_accepted(OrderMachine& m) {
  Action dir = expect_send(m, "https://ca/dir");
  EXPECT_TRUE(dir.request.get);
  m.on_response({200, "", kDirectory});
  Action acct = expect_send(m, "https://ca/acct");
  EXPECT_TRUE(acct.request.with_jwk);
  EXPECT_NE(acct.request.payload->find("mailto:ops@a.example"), std::string::npos);
  m.on_response({201, "https://ca/acct/1", "{}"});
  EXPECT_EQ(m.account_url(), "https://ca/acct/1");
  Action order = expect_send(m, "https://ca/order");
  EXPECT_NE(order.request.payload->find("a.example"), std::string::npos);
  m.on_response({201, "https://ca/order/1", kOrder});
  Action authz = expect_send(m, "https://ca/authz/1");
  EXPECT_FALSE(authz.request.payload);  // POST-as-GET
  m.on_response({200, "", kAuthzPending});
  Action publish = m.next();
  ASSERT_EQ(publish.kind, Kind::publish);
  EXPECT_EQ(publish.challenge.token, "tok");
  EXPECT_EQ(publish.challenge.domain, "a.example");
  EXPECT_EQ(publish.challenge.key_authorization, "tok.THUMB");
  Action answer = expect_send(m, "https://ca/chal/http");
  EXPECT_EQ(*answer.request.payload, "{}");
  m.on_response({200, "", R"({"status":"pending"})"});
}

}  // namespace

TEST(OrderMachine, GoesFromDirectoryToCertificate) {
  OrderMachine m = machine();
  to_challenge_accepted(m);
  EXPECT_EQ(m.next().kind, Kind::wait);
  expect_send(m, "https://ca/authz/1");
  m.on_response({200, "", R"({"status":"pending"})"});
  EXPECT_EQ(m.next().kind, Kind::wait);
  expect_send(m, "https://ca/authz/1");
  m.on_response({200, "", R"({"status":"valid"})"});
  Action retract = m.next();
  ASSERT_EQ(retract.kind, Kind::retract);
  EXPECT_EQ(retract.challenge.token, "tok");
  Action fin = expect_send(m, "https://ca/fin/1");
  EXPECT_NE(fin.request.payload->find("\"csr\":\"Q1NS\""), std::string::npos);
  m.on_response({200, "", R"({"status":"processing"})"});
  EXPECT_EQ(m.next().kind, Kind::wait);
  expect_send(m, "https://ca/order/1");
  m.on_response({200, "", R"({"status":"valid","certificate":"https://ca/cert/1"})"});
  expect_send(m, "https://ca/cert/1");
  m.on_response({200, "", "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n"});
  Action done = m.next();
  ASSERT_EQ(done.kind, Kind::done);
  EXPECT_NE(done.text.find("BEGIN CERTIFICATE"), std::string::npos);
}

TEST(OrderMachine, AnInvalidAuthorizationRetractsTheChallengeThenFails) {
  OrderMachine m = machine();
  to_challenge_accepted(m);
  EXPECT_EQ(m.next().kind, Kind::wait);
  expect_send(m, "https://ca/authz/1");
  m.on_response({200, "", R"({"status":"invalid","challenges":[{"type":"http-01","error":{"type":"urn:x:unauthorized","detail":"404"}}]})"});
  EXPECT_EQ(m.next().kind, Kind::retract);
  Action fail = m.next();
  ASSERT_EQ(fail.kind, Kind::fail);
  EXPECT_NE(fail.text.find("urn:x:unauthorized: 404"), std::string::npos) << fail.text;
}

TEST(OrderMachine, AnErrorStatusFailsWithTheProblemDetail) {
  OrderMachine m = machine();
  expect_send(m, "https://ca/dir");
  m.on_response({200, "", kDirectory});
  expect_send(m, "https://ca/acct");
  m.on_response({403, "", R"({"type":"urn:ietf:params:acme:error:unauthorized","detail":"no"})"});
  Action fail = m.next();
  ASSERT_EQ(fail.kind, Kind::fail);
  EXPECT_NE(fail.text.find("403"), std::string::npos);
  EXPECT_NE(fail.text.find("unauthorized: no"), std::string::npos);
}

TEST(OrderMachine, RefusesADirectoryOrAnswerItCannotUse) {
  OrderMachine a = machine();
  expect_send(a, "https://ca/dir");
  a.on_response({200, "", R"({"newNonce":"x"})"});
  EXPECT_EQ(a.next().kind, Kind::fail);
  OrderMachine b = machine();
  expect_send(b, "https://ca/dir");
  b.on_response({200, "", "not json"});
  EXPECT_EQ(b.next().kind, Kind::fail);
  OrderMachine c = machine();
  expect_send(c, "https://ca/dir");
  c.on_response({200, "", kDirectory});
  expect_send(c, "https://ca/acct");
  c.on_response({201, "", "{}"});  // no Location: no account URL
  EXPECT_EQ(c.next().kind, Kind::fail);
}

TEST(OrderMachine, FailsWhenTheChosenChallengeIsNotOffered) {
  OrderMachine m = machine(AcmeChallenge::tls_alpn_01);
  expect_send(m, "https://ca/dir");
  m.on_response({200, "", kDirectory});
  expect_send(m, "https://ca/acct");
  m.on_response({201, "https://ca/acct/1", "{}"});
  expect_send(m, "https://ca/order");
  m.on_response({201, "https://ca/order/1", kOrder});
  expect_send(m, "https://ca/authz/1");
  m.on_response({200, "", kAuthzPending});
  Action fail = m.next();
  ASSERT_EQ(fail.kind, Kind::fail);
  EXPECT_NE(fail.text.find("tls-alpn-01"), std::string::npos);
}

TEST(OrderMachine, AnAlreadyValidAuthorizationNeedsNoChallenge) {
  OrderMachine m = machine();
  expect_send(m, "https://ca/dir");
  m.on_response({200, "", kDirectory});
  expect_send(m, "https://ca/acct");
  m.on_response({200, "https://ca/acct/1", "{}"});
  expect_send(m, "https://ca/order");
  m.on_response({201, "https://ca/order/1", kOrder});
  expect_send(m, "https://ca/authz/1");
  m.on_response({200, "", R"({"status":"valid"})"});
  expect_send(m, "https://ca/fin/1");
}

TEST(OrderMachine, ACertificateThatIsNotPemFails) {
  OrderMachine m = machine();
  expect_send(m, "https://ca/dir");
  m.on_response({200, "", kDirectory});
  expect_send(m, "https://ca/acct");
  m.on_response({200, "https://ca/acct/1", "{}"});
  expect_send(m, "https://ca/order");
  m.on_response({201, "https://ca/order/1", R"({"status":"valid","authorizations":[],"finalize":"https://ca/fin/1"})"});
  expect_send(m, "https://ca/fin/1");
  m.on_response({200, "", R"({"status":"valid","certificate":"https://ca/cert/1"})"});
  expect_send(m, "https://ca/cert/1");
  m.on_response({200, "", "<html>"});
  EXPECT_EQ(m.next().kind, Kind::fail);
}
