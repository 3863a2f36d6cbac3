#include "pricing/meters.hpp"

#include <gtest/gtest.h>

#include <string>

namespace x402gw::pricing {
namespace {

using namespace std::chrono_literals;

// Meters are views: these take string literals, which outlive them.
Meter bytes_meter(uint64_t per, const char* price) { return Meter{Meter::Kind::bytes, per, "", price}; }
Meter time_meter(uint64_t per_us, const char* price) { return Meter{Meter::Kind::time, per_us, "", price}; }
Meter json_meter(const char* path, uint64_t per, const char* price) { return Meter{Meter::Kind::json, per, path, price}; }

std::string amount_of(const Reading& r) {
  EXPECT_EQ(r.status, Reading::Status::measured);
  return r.amount;
}

TEST(Quantity, ParsesJsonNumbers) {
  Quantity q;
  ASSERT_TRUE(parse_quantity("1234", q));
  EXPECT_EQ(q, (Quantity{1234, 0}));
  ASSERT_TRUE(parse_quantity("12.50", q));
  EXPECT_EQ(q, (Quantity{1250, -2}));
  ASSERT_TRUE(parse_quantity("1e3", q));
  EXPECT_EQ(q, (Quantity{1, 3}));
  ASSERT_TRUE(parse_quantity("2.5E-1", q));
  EXPECT_EQ(q, (Quantity{25, -2}));
  ASSERT_TRUE(parse_quantity("0", q));
  EXPECT_EQ(q.mantissa, 0u);
  ASSERT_TRUE(parse_quantity("-0", q));  // negative zero is zero
  EXPECT_EQ(q.mantissa, 0u);
}

TEST(Quantity, RefusesWhatIsNotANonNegativeJsonNumber) {
  Quantity q;
  for (std::string_view bad : {"", "-1", "-0.5", "01", "1.", ".5", "1e", "+1", "0x10", "1 2", "NaN", "\"12\"", "1e+"})
    EXPECT_FALSE(parse_quantity(bad, q)) << bad;
}

TEST(Charge, IsProRataRoundedUpToAWholeAtomicUnit) {
  // 100 atomic units per KiB: 1,500 bytes are 146.48... units, charged 147.
  EXPECT_EQ(amount_of(charge(Quantity{1500, 0}, 1024, "100")), "147");
  EXPECT_EQ(amount_of(charge(Quantity{2048, 0}, 1024, "100")), "200");  // exact: not rounded
  EXPECT_EQ(amount_of(charge(Quantity{1, 0}, 1000, "2000")), "2");       // 1 token at $0.002 per 1,000
  EXPECT_EQ(amount_of(charge(Quantity{1, 0}, 1000, "1")), "1");          // a thousandth of a unit: 1
  EXPECT_EQ(amount_of(charge(Quantity{0, 0}, 1000, "2000")), "0");       // nothing used: nothing charged
  EXPECT_EQ(amount_of(charge(Quantity{125, -1}, 1, "10")), "125");       // 12.5 units
  EXPECT_EQ(amount_of(charge(Quantity{5, 2}, 1000, "2000")), "1000");    // 5e2 tokens
}

TEST(Charge, SaturatesInsteadOfOverflowing) {
  const Reading huge = charge(Quantity{static_cast<unsigned __int128>(-1), 0}, 1, "1000000000000000000");
  EXPECT_EQ(huge.status, Reading::Status::measured);
  EXPECT_TRUE(huge.saturated);
  EXPECT_EQ(huge.amount, "340282366920938463463374607431768211455");  // 2^128 - 1: above any maximum
  EXPECT_TRUE(charge(Quantity{1, 60}, 1, "1").saturated);                // 1e60 tokens
  const Reading tiny = charge(Quantity{1, -60}, 1, "1");                  // 1e-60: rounded up, not overflowed
  EXPECT_FALSE(tiny.saturated);
  EXPECT_EQ(tiny.amount, "1");
  // A price beyond 128 bits (a configured uint256 amount) saturates too.
  EXPECT_TRUE(charge(Quantity{1, 0}, 1, std::string(60, '9')).saturated);
}

TEST(BytesMeter, ChargesTheBodyBytes) {
  const std::string body(1500, 'x');
  EXPECT_EQ(amount_of(read(bytes_meter(1024, "100"), MeteredAnswer{body, "application/octet-stream", 0us})), "147");
  EXPECT_EQ(amount_of(read(bytes_meter(1024, "100"), MeteredAnswer{"", "text/plain", 0us})), "0");
}

TEST(TimeMeter, ChargesTheWallTime) {
  // $0.001 (1000 units) per second; 2.5 s.
  EXPECT_EQ(amount_of(read(time_meter(1'000'000, "1000"), MeteredAnswer{"", "", 2'500'000us})), "2500");
  // 1 µs of a per-second price is rounded up to 1 unit.
  EXPECT_EQ(amount_of(read(time_meter(1'000'000, "1000"), MeteredAnswer{"", "", 1us})), "1");
}

TEST(JsonPath, FindsANumberInAPlainAnswer) {
  const std::string body =
      R"({"id":"cmpl-1","choices":[{"text":"a \"quoted\" } { [ text","index":0}],)"
      R"("usage":{"prompt_tokens":10,"completion_tokens":1490,"total_tokens":1500}})";
  EXPECT_EQ(amount_of(read(json_meter("usage.total_tokens", 1000, "2000"), MeteredAnswer{body, "application/json", 0us})),
            "3000");
  Quantity q;
  ASSERT_TRUE(find_json_number(body, "usage.prompt_tokens", q));
  EXPECT_EQ(q, (Quantity{10, 0}));
  ASSERT_TRUE(find_json_number(body, "choices.0.index", q));  // a number segment indexes an array
  EXPECT_EQ(q, (Quantity{0, 0}));
}

TEST(JsonPath, SkipsKeysThatOnlyLookLikeThePath) {
  // "usage" inside a string, and a nested "total_tokens" under another key, do not count.
  const std::string body =
      R"({"text":"\"usage\":{\"total_tokens\":999}","other":{"usage":{"total_tokens":7}},"usage" : { "total_tokens" : 42 } })";
  Quantity q;
  ASSERT_TRUE(find_json_number(body, "usage.total_tokens", q));
  EXPECT_EQ(q, (Quantity{42, 0}));
}

TEST(JsonPath, UnescapesNothingButMatchesEscapedKeysLiterally) {
  // Keys are compared as written; an escaped key is a different spelling and does not match.
  Quantity q;
  EXPECT_FALSE(find_json_number(R"({"us\u0061ge":{"total_tokens":1}})", "usage.total_tokens", q));
  ASSERT_TRUE(find_json_number(R"({"a\"b":1,"usage":{"total_tokens":3}})", "usage.total_tokens", q));
  EXPECT_EQ(q, (Quantity{3, 0}));
}

TEST(JsonPath, AnAnswerThatDoesNotSayIsUnread) {
  const Meter meter = json_meter("usage.total_tokens", 1000, "2000");
  for (std::string_view body : {
           R"({"choices":[]})",                                   // no usage
           R"({"usage":null})",                                   // usage null (a stream without include_usage)
           R"({"usage":{"total_tokens":null}})",
           R"({"usage":{"total_tokens":-5}})",                    // negative
           R"({"usage":{"total_tokens":"1500"}})",                // a string
           R"({"usage":{"total_tokens":[1500]}})",
           R"({"usage":{"total_tokens":true}})",
           R"({"usage":{"total_tokens":15)",                      // cut off
           R"({"usage":{"total_tokens":1500)",                    // cut off after the number
       }) {
    const Reading r = read(meter, MeteredAnswer{body, "application/json", 0us});
    EXPECT_EQ(r.status, Reading::Status::unread) << body;
    EXPECT_EQ(r.amount, "") << body;
  }
  for (std::string_view body : {"", "not json", "[1,2,3]", "<html>usage.total_tokens</html>", "{", "{\"usage\":"})
    EXPECT_EQ(read(meter, MeteredAnswer{body, "application/json", 0us}).status, Reading::Status::unread) << body;
}

TEST(JsonPath, DeepNestingOffThePathIsSkippedWithoutRecursion) {
  std::string body = R"({"deep":)";
  body += std::string(100000, '[');
  body += std::string(100000, ']');
  body += R"(,"usage":{"total_tokens":5}})";
  Quantity q;
  ASSERT_TRUE(find_json_number(body, "usage.total_tokens", q));
  EXPECT_EQ(q, (Quantity{5, 0}));
}

TEST(EventStream, RecognisesItsContentType) {
  EXPECT_TRUE(is_event_stream("text/event-stream"));
  EXPECT_TRUE(is_event_stream("Text/Event-Stream; charset=utf-8"));
  EXPECT_FALSE(is_event_stream("application/json"));
  EXPECT_FALSE(is_event_stream("text/event-streams"));
  EXPECT_FALSE(is_event_stream(""));
}

TEST(EventStream, TheLastDataEventBeforeDone) {
  std::string scratch;
  const std::string body =
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n"
      ": a comment\n\n"
      "data: {\"choices\":[],\"usage\":{\"total_tokens\":1500}}\n\n"
      "data: [DONE]\n\n";
  EXPECT_EQ(last_event_data(body, scratch), "{\"choices\":[],\"usage\":{\"total_tokens\":1500}}");
  // CRLF line ends, no space after the colon, no final blank line.
  EXPECT_EQ(last_event_data("data:{\"a\":1}\r\n\r\ndata:{\"a\":2}\r\n\r\ndata: [DONE]", scratch), "{\"a\":2}");
  // An event of several data lines: joined by '\n'.
  EXPECT_EQ(last_event_data("event: x\ndata: {\"a\":\ndata: 3}\n\n", scratch), "{\"a\":\n3}");
  EXPECT_EQ(last_event_data("data: [DONE]\n\n", scratch), "");
  EXPECT_EQ(last_event_data("", scratch), "");
  EXPECT_EQ(last_event_data("id: 1\n\n", scratch), "");
}

TEST(EventStream, TheMeterReadsTheLastJsonEvent) {
  const Meter meter = json_meter("usage.total_tokens", 1000, "2000");
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += "data: {\"choices\":[{\"delta\":{\"content\":\"token\"}}],\"usage\":{\"total_tokens\":1}}\n\n";
  body += "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"total_tokens\":2500}}\n\ndata: [DONE]\n\n";
  EXPECT_EQ(amount_of(read(meter, MeteredAnswer{body, "text/event-stream", 0us})), "5000");
  // Without include_usage the last event has usage null: the stream did not say.
  const std::string silent = "data: {\"choices\":[{\"delta\":{}}],\"usage\":null}\n\ndata: [DONE]\n\n";
  EXPECT_EQ(read(meter, MeteredAnswer{silent, "text/event-stream", 0us}).status, Reading::Status::unread);
  // Only the last JSON event counts: an earlier usage does not.
  const std::string earlier = "data: {\"usage\":{\"total_tokens\":9}}\n\ndata: {\"choices\":[]}\n\ndata: [DONE]\n\n";
  EXPECT_EQ(read(meter, MeteredAnswer{earlier, "text/event-stream", 0us}).status, Reading::Status::unread);
}

}  // namespace
}  // namespace x402gw::pricing
