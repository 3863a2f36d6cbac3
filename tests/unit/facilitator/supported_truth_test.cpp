// "/supported is the truth": routes checked against the answers, the Solana fee payer taken
// from them, and the breakers' findings.
#include "facilitator/supported_truth.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace x402gw::facilitator {
namespace {

using namespace std::chrono_literals;

const char* kConfig = R"(upstreams:
  api: { url: "http://127.0.0.1:3000" }
facilitators:
  a: { url: "http://127.0.0.1:4001", breaker: { failures: 2, open_for: 10s } }
  b: { url: "http://127.0.0.1:4002" }
payment:
  pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
  network: base-sepolia
  facilitator: [a, b]
routes:
  - match: "GET /evm"
    price: "$0.01"
  - match: "GET /sol"
    network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
    pay_to: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
    price: "$0.01"
    facilitator: b
  - match: "GET /free"
)";

config::Config load(const std::string& text = kConfig) {
  auto loaded = config::load_config_text(text, "test.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(loaded.config) << loaded.report();
  return *loaded.config;
}

SupportedAnswer answered(const std::string& body) {
  auto kinds = x402::parse_supported_response(body);
  EXPECT_TRUE(kinds);
  return SupportedAnswer{true, *kinds, ""};
}

SupportedAnswer down(const std::string& why) { return SupportedAnswer{false, {}, why}; }

const char* kEvmOnly = R"({"kinds":[{"x402Version":2,"scheme":"exact","network":"eip155:84532"}]})";
const char* kBoth = R"({"kinds":[{"x402Version":2,"scheme":"exact","network":"eip155:84532"},
  {"x402Version":2,"scheme":"exact","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1","extra":{"feePayer":"FeePayerB"}}],
  "signers":{"solana:*":["FeePayerB"]}})";

TEST(SupportedTruth, ListsAndDefaultsOfFacilitators) {
  const auto c = load();
  EXPECT_EQ(c.routes[0].facilitators, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(c.routes[1].facilitators, (std::vector<size_t>{1}));
  EXPECT_TRUE(c.routes[2].facilitators.empty());
  EXPECT_EQ(used_facilitators(c), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(c.facilitators[0].breaker.failures, 2);
  EXPECT_EQ(c.facilitators[0].breaker.open_for, 10s);
  EXPECT_EQ(c.facilitators[1].breaker.failures, 5);  // the defaults
  EXPECT_EQ(c.facilitators[1].breaker.open_for, 30s);
  EXPECT_EQ(c.supported_refresh, 30s);
}

TEST(SupportedTruth, TheFeePayerComesFromSupported) {
  const auto c = load();
  EXPECT_FALSE(c.routes[1].requirements[0].extra.contains("feePayer"));
  const SupportedAnswers answers{answered(kEvmOnly), answered(kBoth)};
  auto completed = complete_from_supported(c, answers);
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->routes[1].requirements[0].extra["feePayer"], "FeePayerB");
  EXPECT_GT(completed->generation, c.generation);
  EXPECT_FALSE(same_requirements(c, *completed));
  EXPECT_TRUE(check_routes(*completed, answers).problems.empty());
  // Without it the route is not ready, and it says why.
  auto missing = check_routes(c, answers);
  ASSERT_EQ(missing.problems.size(), 1u);
  EXPECT_NE(missing.problems[0].find("route 'GET /sol'"), std::string::npos);
  EXPECT_NE(missing.problems[0].find("no fee payer"), std::string::npos);
  // Nothing to take: nothing changes.
  EXPECT_FALSE(complete_from_supported(c, SupportedAnswers{answered(kEvmOnly), answered(kEvmOnly)}));
}

TEST(SupportedTruth, TheOnlySignerIsTheFeePayerWhenExtraLacksIt) {
  const auto c = load();
  const SupportedAnswers answers{
      answered(kEvmOnly),
      answered(R"({"kinds":[{"x402Version":2,"scheme":"exact","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"}],"signers":{"solana:*":["OnlySigner"]}})")};
  auto completed = complete_from_supported(c, answers);
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->routes[1].requirements[0].extra["feePayer"], "OnlySigner");
}

TEST(SupportedTruth, AConfiguredFeePayerMustBeASigner) {
  std::string text = kConfig;
  text.replace(text.find("    facilitator: b\n"), 0, "    fee_payer: NotTheirs\n");
  const auto c = load(text);
  const SupportedAnswers answers{answered(kEvmOnly), answered(kBoth)};
  EXPECT_FALSE(complete_from_supported(c, answers));  // the configuration's own is kept
  auto f = check_routes(c, answers);
  ASSERT_EQ(f.problems.size(), 1u);
  EXPECT_NE(f.problems[0].find("fee payer NotTheirs is not one of facilitator 'b''s signers"), std::string::npos);
}

TEST(SupportedTruth, AnUnsupportedRouteIsAProblemNamingIt) {
  const auto c = load();
  auto f = check_routes(c, SupportedAnswers{answered(kEvmOnly), answered(kEvmOnly)});
  ASSERT_EQ(f.problems.size(), 1u);
  EXPECT_EQ(f.problems[0], "route 'GET /sol' accepts exact on solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1, which facilitator 'b' does not "
                          "list in /supported: solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1 is Solana devnet; facilitator 'b' does "
                          "not list that network (its /supported lists eip155:84532 (Base Sepolia))");
  f = check_routes(c, SupportedAnswers{answered(R"({"kinds":[]})"), answered(R"({"kinds":[]})")});
  EXPECT_NE(f.problems[0].find("none of its facilitators ('a', 'b') lists"), std::string::npos);
  EXPECT_NE(f.problems[0].find("facilitator 'a' lists no payment kinds in /supported; facilitator 'b' lists no payment kinds"),
            std::string::npos)
      << f.problems[0];
}

// The public testnet facilitator behind a Base mainnet route: the message says it settles testnets
// only and what a mainnet route needs.
TEST(SupportedTruth, AMainnetRouteOnTestnetFacilitatorsSaysSo) {
  std::string text = kConfig;
  text.replace(text.find("network: base-sepolia"), 21, "network: base");
  const auto c = load(text);
  const SupportedAnswers answers{answered(kBoth), answered(kEvmOnly)};
  auto f = check_routes(c, answers);
  ASSERT_FALSE(f.problems.empty());
  EXPECT_EQ(f.problems[0], "route 'GET /evm' accepts exact on eip155:8453, which none of its facilitators ('a', 'b') lists in "
                           "/supported: eip155:8453 is Base mainnet; facilitator 'a' settles testnets only (its /supported "
                           "lists eip155:84532 (Base Sepolia), solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1 (Solana devnet)); "
                           "facilitator 'b' settles testnets only (its /supported lists eip155:84532 (Base Sepolia)); a "
                           "mainnet route needs a facilitator that settles mainnet payments (e.g. CDP with auth: {type: "
                           "cdp}, or PayAI)");
}

TEST(SupportedTruth, AFallbackDownOrLackingIsAWarningNotAProblem) {
  const auto c = load();
  auto f = check_routes(c, SupportedAnswers{down("cannot connect to facilitator 'a'"), answered(kBoth)});
  EXPECT_TRUE(f.problems.size() == 1 && f.problems[0].find("no fee payer") != std::string::npos);  // /sol still lacks it
  ASSERT_FALSE(f.warnings.empty());
  EXPECT_NE(f.warnings[0].find("runs on its other facilitators: facilitator 'a': cannot connect"), std::string::npos);
  f = check_routes(c, SupportedAnswers{answered(R"({"kinds":[]})"), answered(kBoth)});
  bool lacking = false;
  for (const auto& w : f.warnings) lacking |= w.find("facilitator 'a' does not list exact on eip155:84532") != std::string::npos;
  EXPECT_TRUE(lacking);
  f = check_routes(c, SupportedAnswers{down("a down"), down("b down")});
  ASSERT_EQ(f.problems.size(), 2u);
  EXPECT_EQ(f.problems[0], "route 'GET /evm': no facilitator answered /supported (facilitator 'a': a down; facilitator 'b': b down)");
}

// A route's payments go to its first answering facilitator, whose refusal is final: one that lacks
// the kind is only a fallback that cannot stand in when it comes second, and refuses them first.
TEST(SupportedTruth, AFirstFacilitatorLackingTheKindRefusesItsPayments) {
  const auto c = load();  // GET /evm: [a, b]
  auto warning_of = [](const Findings& f) {
    for (const auto& w : f.warnings)
      if (w.find("route 'GET /evm': facilitator") != std::string::npos) return w;
    return std::string();
  };
  const std::string first = warning_of(check_routes(c, SupportedAnswers{answered(R"({"kinds":[]})"), answered(kBoth)}));
  EXPECT_NE(first.find("yet payments on it go to 'a' first, which refuses them while it answers: put 'b' first"), std::string::npos) << first;
  const std::string second = warning_of(check_routes(c, SupportedAnswers{answered(kBoth), answered(R"({"kinds":[]})")}));
  EXPECT_NE(second.find("facilitator 'b' does not list exact on eip155:84532 in /supported and cannot stand in for 'a'"), std::string::npos) << second;
}

TEST(SupportedTruth, BreakerFindings) {
  const auto c = load();
  BreakerSet set;
  set.by_index = {std::make_shared<Breaker>(c.facilitators[0].breaker), std::make_shared<Breaker>(c.facilitators[1].breaker)};
  const auto now = Breaker::Clock::now();
  EXPECT_TRUE(breaker_findings(c, set, now).warnings.empty());
  set.by_index[0]->record(Admission::allowed, false, now, "cannot connect");
  set.by_index[0]->record(Admission::allowed, false, now, "cannot connect");
  auto f = breaker_findings(c, set, now);
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_EQ(f.warnings[0], "facilitator 'a': circuit open for 10s more after 2 consecutive failures (last: cannot connect)");
  EXPECT_TRUE(f.problems.empty());  // /evm falls back to b
  set.by_index[1]->hold_until(now + 60s, now, "429");
  f = breaker_findings(c, set, now);
  ASSERT_EQ(f.problems.size(), 2u);
  EXPECT_EQ(f.problems[0], "route 'GET /evm': every facilitator's circuit is open ('a', 'b')");
  f = breaker_findings(c, set, now + 11s);
  EXPECT_NE(f.warnings[0].find("circuit half_open"), std::string::npos);
}

// upto: the buyer's client signs the facilitator's address into its Permit2 witness and refuses a
// requirement without it; it comes from the upto kind in /supported (@x402/evm's getExtra).
const char* kUptoConfig = R"(upstreams:
  api: { url: "http://127.0.0.1:3000" }
facilitators:
  a: { url: "http://127.0.0.1:4001" }
  b: { url: "http://127.0.0.1:4002" }
payment:
  pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
  network: base-sepolia
  facilitator: [a, b]
routes:
  - { match: "GET /metered", scheme: upto, price: "$0.10" }
)";
const char* kUpto = R"({"kinds":[{"x402Version":2,"scheme":"upto","network":"eip155:84532","extra":{"facilitatorAddress":"0x90F79bf6EB2c4f870365E785982E1f101E93b906"}}]})";

TEST(SupportedTruth, TheUptoFacilitatorAddressComesFromSupported) {
  const auto c = load(kUptoConfig);
  EXPECT_FALSE(c.routes[0].requirements[0].extra.contains("facilitatorAddress"));
  const SupportedAnswers answers{answered(kUpto), answered(kEvmOnly)};
  auto completed = complete_from_supported(c, answers);
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->routes[0].requirements[0].extra["facilitatorAddress"], "0x90F79bf6EB2c4f870365E785982E1f101E93b906");
  EXPECT_EQ(completed->routes[0].requirements[0].extra["assetTransferMethod"], "permit2");
  EXPECT_FALSE(same_requirements(c, *completed));
  EXPECT_TRUE(check_routes(*completed, answers).problems.empty());
  // Before it is known, the route is not ready, and says why.
  auto missing = check_routes(c, answers);
  ASSERT_EQ(missing.problems.size(), 1u);
  EXPECT_NE(missing.problems[0].find("route 'GET /metered' accepts upto on eip155:84532, but no facilitator of it names an extra.facilitatorAddress"),
            std::string::npos) << missing.problems[0];
}

TEST(SupportedTruth, NoFacilitatorSettlingUptoIsAProblemNamingTheRoute) {
  const auto c = load(kUptoConfig);
  const SupportedAnswers answers{answered(kEvmOnly), answered(kEvmOnly)};
  EXPECT_FALSE(complete_from_supported(c, answers));
  auto f = check_routes(c, answers);
  ASSERT_EQ(f.problems.size(), 1u);
  EXPECT_EQ(f.problems[0],
            "route 'GET /metered' accepts upto on eip155:84532, which none of its facilitators ('a', 'b') lists in /supported: "
            "eip155:84532 is Base Sepolia; facilitator 'a' lists eip155:84532 only with scheme exact, not upto; "
            "facilitator 'b' lists eip155:84532 only with scheme exact, not upto");
}

TEST(SupportedTruth, TheUptoAddressIsTheFirstSignerSoThatItStaysPut) {
  // @x402/evm's upto facilitator names a random one of its addresses in extra at each /supported.
  const auto c = load(kUptoConfig);
  for (const char* random : {"0xAAAA000000000000000000000000000000000001", "0xAAAA000000000000000000000000000000000002"}) {
    const std::string body = std::string(R"({"kinds":[{"x402Version":2,"scheme":"upto","network":"eip155:84532","extra":{"facilitatorAddress":")") +
                             random + R"("}}],"signers":{"eip155:*":["0xAAAA000000000000000000000000000000000002","0xAAAA000000000000000000000000000000000001"]}})";
    auto completed = complete_from_supported(c, SupportedAnswers{answered(body), answered(kEvmOnly)});
    ASSERT_TRUE(completed);
    EXPECT_EQ(completed->routes[0].requirements[0].extra["facilitatorAddress"], "0xAAAA000000000000000000000000000000000002");
  }
}

TEST(SupportedTruth, AnUptoKindWithoutAddressFallsBackToItsOnlySigner) {
  const auto c = load(kUptoConfig);
  const SupportedAnswers answers{
      answered(R"({"kinds":[{"x402Version":2,"scheme":"upto","network":"eip155:84532"}],"signers":{"eip155:*":["0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"]}})"),
      answered(kUpto)};
  auto completed = complete_from_supported(c, answers);
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->routes[0].requirements[0].extra["facilitatorAddress"], "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65");
  // Failover to a facilitator of another address cannot settle what was signed for the first: said.
  auto f = check_routes(*completed, answers);
  EXPECT_TRUE(f.problems.empty());
  bool warned = false;
  for (const auto& w : f.warnings) warned |= w.find("can settle it only if they share that address") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace x402gw::facilitator
