#include "http/request_checks.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <vector>

using namespace x402gw::http;
namespace bhttp = boost::beast::http;

namespace {
using Field = x402gw::net::RequestHead::Field;
std::vector<Field> fields_of(std::initializer_list<std::pair<bhttp::field, const char*>> list) {
  std::vector<Field> f;
  for (const auto& [name, value] : list) {
    const auto text = bhttp::to_string(name);
    f.push_back(Field{name, std::string_view(text.data(), text.size()), value});
  }
  return f;
}
Field named(std::string_view name, std::string_view value) { return Field{bhttp::string_to_field(name), name, value}; }
using F = bhttp::field;
}  // namespace

TEST(RequestChecks, AcceptsOrdinaryFraming) {
  EXPECT_FALSE(framing_problem(fields_of({{F::host, "x"}}), 11));
  EXPECT_FALSE(framing_problem(fields_of({{F::host, "x"}, {F::content_length, "4"}}), 11));
  EXPECT_FALSE(framing_problem(fields_of({{F::host, "x"}, {F::transfer_encoding, "Chunked"}}), 11));
  EXPECT_FALSE(framing_problem(fields_of({}), 10));  // HTTP/1.0 needs no Host
}

TEST(RequestChecks, RefusesAmbiguousFraming) {
  EXPECT_TRUE(framing_problem(fields_of({{F::host, "x"}, {F::content_length, "4"}, {F::content_length, "4"}}), 11));
  EXPECT_TRUE(framing_problem(fields_of({{F::host, "x"}, {F::content_length, "4, 4"}}), 11));
  EXPECT_TRUE(framing_problem(fields_of({{F::host, "x"}, {F::transfer_encoding, "gzip, chunked"}}), 11));
  EXPECT_TRUE(framing_problem(fields_of({{F::transfer_encoding, "chunked"}}), 10));
  EXPECT_TRUE(framing_problem(fields_of({{F::host, "x"}, {F::host, "y"}}), 11));
  EXPECT_TRUE(framing_problem(fields_of({}), 11));
}

TEST(RequestChecks, FindsObsoleteLineFolding) {
  EXPECT_FALSE(has_obsolete_line_folding("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(has_obsolete_line_folding("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"));
  EXPECT_TRUE(has_obsolete_line_folding("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"));
  EXPECT_EQ(header_end("GET / HTTP/1.1\r\n\r\nBODY"), 18u);
  EXPECT_EQ(header_end("GET / HTTP/1.1\r\n"), std::string_view::npos);
}

TEST(RequestChecks, MethodsWithLowerCaseLettersAreRefused) {
  for (const char* ok : {"GET", "HEAD", "POST", "PURGE", "VERSION-CONTROL", "M_SEARCH"}) EXPECT_TRUE(method_is_upper_case(ok)) << ok;
  for (const char* bad : {"head", "Head", "get", "gET", "pOST", "purge"}) EXPECT_FALSE(method_is_upper_case(bad)) << bad;
}

TEST(RequestChecks, APaymentHeaderSentTwiceIsFound) {
  std::vector<Field> one{named("PAYMENT-SIGNATURE", "a"), named("X-PAYMENT", "b")};  // one of each is not a duplicate
  EXPECT_FALSE(duplicate_payment_header(one));
  for (const char* name : {"PAYMENT-SIGNATURE", "X-PAYMENT"}) {
    std::vector<Field> twice{named(name, "a"), named("Host", "x"),
                             named(std::string(name) == "X-PAYMENT" ? "x-payment" : "Payment-Signature", "b")};  // names match in any case
    EXPECT_EQ(duplicate_payment_header(twice), std::string(name));
  }
}
