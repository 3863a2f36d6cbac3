#include "config/env_interpolation.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace x402gw::config;

namespace {
EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
std::string expand(std::string_view text, const EnvLookup& e) {
  auto r = interpolate(text, e);
  return r.index() == 0 ? std::get<0>(r) : "ERROR: " + std::get<1>(r);
}
}  // namespace

TEST(EnvInterpolation, ExpandsVariables) {
  auto e = env({{"TOKEN", "abc"}, {"EMPTY", ""}});
  EXPECT_EQ(expand("Bearer ${TOKEN}", e), "Bearer abc");
  EXPECT_EQ(expand("${MISSING:-http://127.0.0.1:4020}", e), "http://127.0.0.1:4020");
  EXPECT_EQ(expand("${EMPTY:-fallback}", e), "fallback");
  EXPECT_EQ(expand("${EMPTY}", e), "");
}

TEST(EnvInterpolation, LeavesDollarPricesAlone) {
  auto e = env({});
  EXPECT_EQ(expand("$0.01", e), "$0.01");
  EXPECT_EQ(expand("$$", e), "$");
  EXPECT_EQ(expand("$", e), "$");
}

TEST(EnvInterpolation, ReportsUnsetAndMalformed) {
  auto e = env({});
  EXPECT_NE(expand("${NOPE}", e).find("NOPE is not set"), std::string::npos);
  EXPECT_NE(expand("${OPEN", e).find("without a closing"), std::string::npos);
  EXPECT_NE(expand("${1BAD}", e).find("not a valid variable name"), std::string::npos);
}
