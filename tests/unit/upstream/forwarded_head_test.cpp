// The head the upstream gets, written from the client's head in place (upstream/forwarded_head),
// against the way it was built before: Beast's message with upstream/headers' edits applied one
// by one, then written (net/head_writer). Same request line, same fields; Beast's container keeps
// a name's fields together where the view writer keeps the order received, so the fields are
// compared name by name.
#include "upstream/forwarded_head.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <cctype>
#include <map>
#include <memory>

#include "net/head_writer.hpp"
#include "upstream/headers.hpp"

using namespace x402gw;

namespace {

namespace bhttp = boost::beast::http;

struct Case {
  std::string head;
  bool trusted = false;
  bool forward_payment = false;
  std::optional<uint64_t> length;
  core::Headers extra;
  std::vector<std::string> chain{"203.0.113.7"};
};

const std::vector<std::string> kReserved{"X-Payer", "X-Payment-Payer"};

// What the proxy did before: the edits on Beast's message (upstream/proxy.cpp's prepare_request).
std::string through_beast(const Case& c, std::string_view target, const std::string& host_header) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.eager(false);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(c.head), ec);
  EXPECT_FALSE(ec) << ec.message();
  auto& req = parser.get();
  upstream::remove_hop_by_hop(req);
  req.erase(bhttp::field::expect);
  if (!c.forward_payment) upstream::erase_fields(req, {"X-PAYMENT", "PAYMENT-SIGNATURE"});
  upstream::remove_client_controlled(req, kReserved);
  upstream::set_forwarding(req, c.chain, c.trusted, "https", "api.example.com");
  req.set(bhttp::field::host, host_header);
  for (const auto& [name, value] : c.extra) req.set(name, value);
  req.target(target);
  req.version(11);
  req.keep_alive(true);
  if (c.length) {
    req.chunked(false);
    req.content_length(*c.length);
  }
  std::string out;
  net::append_request_head(out, req);
  return out;
}

std::string in_place(const Case& c, std::string_view target, const std::string& host_header) {
  auto head = std::make_unique<net::RequestHead>();
  boost::system::error_code ec;
  head->parse(c.head, ec);
  EXPECT_FALSE(ec) << ec.message();
  upstream::ForwardEdits e;
  e.target = target;
  e.host_header = host_header;
  e.chain = &c.chain;
  e.from_trusted_proxy = c.trusted;
  e.proto = "https";
  e.client_host = "api.example.com";
  e.forward_payment_header = c.forward_payment;
  e.reserved = &kReserved;
  e.request_headers = &c.extra;
  e.content_length = c.length;
  std::string out;
  upstream::append_forwarded_head(out, *head, e);
  return out;
}

// The request line, and each field name (lower case) with its fields in order.
std::pair<std::string, std::map<std::string, std::vector<std::string>>> shape(const std::string& head) {
  std::map<std::string, std::vector<std::string>> fields;
  const size_t line_end = head.find("\r\n");
  size_t pos = line_end + 2;
  while (pos < head.size()) {
    const size_t end = head.find("\r\n", pos);
    if (end == pos) break;
    const std::string line = head.substr(pos, end - pos);
    std::string name = line.substr(0, line.find(':'));
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    fields[name].push_back(line);
    pos = end + 2;
  }
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  return {head.substr(0, line_end), fields};
}

void expect_same(const Case& c) {
  const std::string target = "/base/api/w?x=1";
  const std::string host = "127.0.0.1:8080";
  const std::string before = through_beast(c, target, host);
  const std::string after = in_place(c, target, host);
  EXPECT_EQ(shape(after), shape(before)) << "before:\n" << before << "\nafter:\n" << after;
  EXPECT_EQ(after.size(), before.size());
}

const std::string kPlain =
    "GET /api/w?x=1 HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n";

}  // namespace

TEST(ForwardedHead, APlainRequest) { expect_same({kPlain}); }

TEST(ForwardedHead, HopByHopAndTheFieldsConnectionNames) {
  expect_same({"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret, Content-Length\r\nX-Secret: s\r\n"
               "x-secret: t\r\nKeep-Alive: 5\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Authorization: p\r\n"
               "Proxy-Connection: k\r\nTrailer: X\r\nExpect: 100-continue\r\nContent-Length: 0\r\nX-Kept: k\r\n\r\n"});
}

TEST(ForwardedHead, PaymentHeadersGoUnlessTheRouteForwardsThem) {
  const std::string head =
      "POST /pay HTTP/1.1\r\nHost: a\r\nPAYMENT-SIGNATURE: v2\r\nx_payment: v1\r\nX-Payment: v1b\r\nContent-Length: 3\r\n\r\n";
  expect_same({head});
  // Forwarded: the verified spellings go as before (the `_` spelling is the next test's).
  Case forwarded{"POST /pay HTTP/1.1\r\nHost: a\r\nPAYMENT-SIGNATURE: v2\r\nX-Payment: v1b\r\nContent-Length: 3\r\n\r\n"};
  forwarded.forward_payment = true;
  expect_same(forwarded);
}

// Found by review: with the payment header forwarded, a client's `PAYMENT_SIGNATURE` reached the
// upstream next to the verified `PAYMENT-SIGNATURE`, and a CGI-style upstream reads both as
// HTTP_PAYMENT_SIGNATURE. Likewise a field named in Connection, and one the gateway sets, went
// only by their exact spelling.
TEST(ForwardedHead, OtherSpellingsOfRemovedOrSetFieldsGoToo) {
  Case c{"POST /pay HTTP/1.1\r\nHost: a\r\nPAYMENT-SIGNATURE: verified\r\nPAYMENT_SIGNATURE: forged\r\n"
         "x_payment: forged1\r\nConnection: close, X-Keep\r\nX_Keep: 2\r\nAccept_Encoding: gzip\r\n"
         "Content-Length: 3\r\n\r\n"};
  c.forward_payment = true;
  c.extra = {{"Accept-Encoding", "identity"}};
  const std::string out = in_place(c, "/pay", "127.0.0.1:1");
  EXPECT_NE(out.find("PAYMENT-SIGNATURE: verified\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("forged"), std::string::npos) << out;
  EXPECT_EQ(out.find("X_Keep"), std::string::npos) << out;
  EXPECT_EQ(out.find("gzip"), std::string::npos) << out;
  EXPECT_NE(out.find("Accept-Encoding: identity\r\n"), std::string::npos) << out;
}

TEST(ForwardedHead, ClientControlledAndForwardingHeadersFromAnUntrustedHop) {
  expect_same({"GET / HTTP/1.1\r\nHost: a\r\nX-Original-URL: /admin\r\nX_HTTP_Method_Override: DELETE\r\nProxy: http://evil\r\n"
               "Settlement-Overrides: 0\r\nX-Payer: 0xabc\r\nx_payment_payer: 0xdef\r\nX-Forwarded-For: 1.1.1.1\r\n"
               "X_Forwarded_For: 2.2.2.2\r\nX-Real-IP: 3.3.3.3\r\nForwarded: for=4.4.4.4\r\nX-Forwarded-Proto: http\r\n"
               "X-Forwarded-Host: evil.example\r\nCF-Connecting-IP: 5.5.5.5\r\nClient-Cert: :abc:\r\n\r\n"});
}

TEST(ForwardedHead, ForwardingHeadersFromATrustedProxy) {
  Case c{"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.1\r\nX-Forwarded-Proto: HTTPS, http\r\n"
         "X-Forwarded-Host: shop.example, inner\r\nX-Forwarded-Port: 443\r\nX_Forwarded_Proto: http\r\nForwarded: for=x\r\n\r\n"};
  c.trusted = true;
  c.chain = {"198.51.100.1", "2001:db8::1"};
  expect_same(c);
  Case odd{"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: gopher\r\n\r\n"};
  odd.trusted = true;
  expect_same(odd);
  Case unknown{kPlain};
  unknown.chain = {};
  expect_same(unknown);
}

TEST(ForwardedHead, TheGatewaysHeadersReplaceTheClients) {
  Case c{"GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\naccept-encoding: br\r\nX-Api-Key: k\r\n\r\n"};
  c.extra = {{"X-Payer-Address", "0x1"}, {"Accept-Encoding", "identity"}};
  expect_same(c);
}

TEST(ForwardedHead, AKnownBodyLengthReplacesChunkedFraming) {
  Case chunked{"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"};
  expect_same(chunked);  // streamed: the client's framing stays
  chunked.length = 42;
  expect_same(chunked);
  Case length{"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n"};
  length.length = 0;
  expect_same(length);
}

TEST(ForwardedHead, HttpOneZeroAndAbsoluteFormBecomeOneOne) {
  expect_same({"GET http://api.example.com/api/w HTTP/1.0\r\nConnection: keep-alive\r\nX-A: 1\r\n\r\n"});
  expect_same({"PURGE /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"});
}
