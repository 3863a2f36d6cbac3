// An upstream's response head parsed in place and relayed from its bytes.
#include "upstream/response_head.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <deque>

#include "support/allocation_counter.hpp"

using namespace x402gw;
using upstream::ResponseHead;

namespace {

namespace bhttp = boost::beast::http;

// The head holds views into its bytes: they are kept here for the test's life.
std::unique_ptr<ResponseHead> parsed(std::string text) {
  static std::deque<std::string> kept;
  const std::string& bytes = kept.emplace_back(std::move(text));
  auto head = std::make_unique<ResponseHead>();
  boost::system::error_code ec;
  const size_t used = head->parse(bytes, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, bytes.size());
  return head;
}

const std::string kNginx =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: application/json\r\nContent-Length: 101\r\n"
    "Connection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nETag: \"65\"\r\n\r\n";

}  // namespace

TEST(ResponseHead, FieldsAreViewsIntoTheBytes) {
  auto head = std::make_unique<ResponseHead>();
  boost::system::error_code ec;
  ASSERT_EQ(head->parse(kNginx, ec), kNginx.size());
  EXPECT_EQ(head->status(), 200u);
  EXPECT_EQ(head->reason(), "OK");
  EXPECT_EQ(head->version(), 11u);
  ASSERT_EQ(head->fields().size(), 7u);
  EXPECT_EQ(head->fields()[0].name, "Server");
  EXPECT_EQ(head->fields()[0].id, bhttp::field::server);
  EXPECT_GE(head->fields()[0].value.data(), kNginx.data());
  EXPECT_LT(head->fields()[0].value.data(), kNginx.data() + kNginx.size());
  EXPECT_TRUE(head->keep_alive());
  EXPECT_EQ(*head->content_length(), 101u);
}

TEST(ResponseHead, RelaysWithoutHopByHopFieldsAndWithTheClientsConnection) {
  const auto head = parsed(kNginx);
  ASSERT_TRUE(upstream::relayable(*head, false));
  std::string out;
  upstream::append_relayed_head(out, *head, 11, {{"PAYMENT-RESPONSE", "r"}, {"content-type", "text/plain"}}, false);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 101\r\nETag: \"65\"\r\n"
            "PAYMENT-RESPONSE: r\r\ncontent-type: text/plain\r\nConnection: close\r\n\r\n");
  out.clear();
  upstream::append_relayed_head(out, *head, 10, {}, true);
  EXPECT_EQ(out.substr(0, 17), "HTTP/1.0 200 OK\r\n");
  EXPECT_NE(out.find("\r\nConnection: keep-alive\r\n\r\n"), std::string::npos);
}

TEST(ResponseHead, ConnectionNeverStripsTheFraming) {
  const auto head = parsed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: content-length\r\n\r\n");
  std::string out;
  upstream::append_relayed_head(out, *head, 11, {}, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
}

TEST(ResponseHead, OnlyFinalAnswersWithAKnownLengthAreRelayedFromTheirBytes) {
  EXPECT_TRUE(upstream::relayable(*parsed("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), false));
  EXPECT_FALSE(upstream::relayable(*parsed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), true)) << "HEAD";
  EXPECT_FALSE(upstream::relayable(*parsed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), false));
  EXPECT_FALSE(upstream::relayable(*parsed("HTTP/1.1 200 OK\r\n\r\n"), false)) << "close-delimited";
  EXPECT_FALSE(upstream::relayable(*parsed("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"), false));
  EXPECT_FALSE(upstream::relayable(*parsed("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"), false));
  EXPECT_FALSE(upstream::relayable(*parsed("HTTP/1.1 100 Continue\r\n\r\n"), false));
}

TEST(ResponseHead, AnEmptyReasonIsTheStandardOne) {
  const auto head = parsed("HTTP/1.1 503 \r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(head->reason(), "Service Unavailable");
}

// Every proxied request parses its upstream's head and writes the client's from it: with the
// usual handful of fields (and names in Connection) neither allocates, beyond the output string.
TEST(ResponseHead, AUsualHeadIsParsedAndRelayedWithoutAllocating) {
  std::string out;
  out.reserve(1024);
  const core::Headers extra{{"PAYMENT-RESPONSE", "r"}};
  test_support::AllocationCounter counter;
  ResponseHead head;
  boost::system::error_code ec;
  ASSERT_EQ(head.parse(kNginx, ec), kNginx.size());
  ASSERT_EQ(head.fields().size(), 7u);
  upstream::append_relayed_head(out, head, 11, extra, true);
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_EQ(out.find("X-Hop"), std::string::npos);  // named in Connection: dropped, as before
  EXPECT_NE(out.find("PAYMENT-RESPONSE: r\r\n"), std::string::npos);
}
