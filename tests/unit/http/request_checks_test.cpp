#include "http/request_checks.hpp"

#include <gtest/gtest.h>

using namespace x402gw::http;
namespace bhttp = boost::beast::http;

TEST(RequestChecks, AcceptsOrdinaryFraming) {
  bhttp::fields f;
  f.insert(bhttp::field::host, "x");
  EXPECT_FALSE(framing_problem(f, 11));
  f.insert(bhttp::field::content_length, "4");
  EXPECT_FALSE(framing_problem(f, 11));
  bhttp::fields chunked;
  chunked.insert(bhttp::field::host, "x");
  chunked.insert(bhttp::field::transfer_encoding, "Chunked");
  EXPECT_FALSE(framing_problem(chunked, 11));
  bhttp::fields old;
  EXPECT_FALSE(framing_problem(old, 10));  // HTTP/1.0 needs no Host
}

TEST(RequestChecks, RefusesAmbiguousFraming) {
  bhttp::fields dup;
  dup.insert(bhttp::field::host, "x");
  dup.insert(bhttp::field::content_length, "4");
  dup.insert(bhttp::field::content_length, "4");
  EXPECT_TRUE(framing_problem(dup, 11));
  bhttp::fields list;
  list.insert(bhttp::field::host, "x");
  list.insert(bhttp::field::content_length, "4, 4");
  EXPECT_TRUE(framing_problem(list, 11));
  bhttp::fields gzip;
  gzip.insert(bhttp::field::host, "x");
  gzip.insert(bhttp::field::transfer_encoding, "gzip, chunked");
  EXPECT_TRUE(framing_problem(gzip, 11));
  bhttp::fields te10;
  te10.insert(bhttp::field::transfer_encoding, "chunked");
  EXPECT_TRUE(framing_problem(te10, 10));
  bhttp::fields hosts;
  hosts.insert(bhttp::field::host, "x");
  hosts.insert(bhttp::field::host, "y");
  EXPECT_TRUE(framing_problem(hosts, 11));
  bhttp::fields none;
  EXPECT_TRUE(framing_problem(none, 11));
}

TEST(RequestChecks, FindsObsoleteLineFolding) {
  EXPECT_FALSE(has_obsolete_line_folding("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(has_obsolete_line_folding("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"));
  EXPECT_TRUE(has_obsolete_line_folding("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"));
  EXPECT_EQ(header_end("GET / HTTP/1.1\r\n\r\nBODY"), 18u);
  EXPECT_EQ(header_end("GET / HTTP/1.1\r\n"), std::string_view::npos);
}
