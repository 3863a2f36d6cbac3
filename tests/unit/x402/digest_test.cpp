// SHA-256 with the fetched algorithm and the per-thread context reused: the standard vectors, on
// repeated calls and on another thread.
#include "x402/digest.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

using namespace x402gw::x402;

TEST(Digest, Sha256StandardVectorsOnRepeatedCallsAndThreads) {
  auto check = [] {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
      EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      EXPECT_EQ(to_hex(sha256(std::string(1000000, 'a'))),
                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
  };
  check();
  std::thread other(check);
  other.join();
}
