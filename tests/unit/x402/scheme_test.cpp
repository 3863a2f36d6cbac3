// The PaymentScheme seam: lookup by network, the EVM scheme and the generic fallback. The other
// families have a test file each (scheme_solana_test.cpp, scheme_stellar_test.cpp,
// scheme_stacks_test.cpp).
#include "x402/scheme.hpp"

#include <gtest/gtest.h>

#include "scheme_test_support.hpp"
#include "scheme_vectors.hpp"
#include "test_requirements.hpp"
#include "x402/payment_payload.hpp"

using namespace x402gw::x402;
using namespace x402gw::x402::testing;

namespace {

const std::string kFrom = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const std::string kNonce = "0xF3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480";

nlohmann::json eip3009(const Requirement& r, std::string from = kFrom, std::string nonce = kNonce) {
  return {{"signature", "0x" + std::string(130, 'a')},
          {"authorization",
           {{"from", from}, {"to", r.pay_to}, {"value", r.amount}, {"validAfter", "0"}, {"validBefore", "9999999999"}, {"nonce", nonce}}}};
}

nlohmann::json permit2(const Requirement& r, std::string nonce = "33247007178036348590600198031289925668252061821958005840077069883511451257277") {
  return {{"signature", "0x" + std::string(130, 'b')},
          {"permit2Authorization",
           {{"permitted", {{"token", r.asset}, {"amount", r.amount}}},
            {"from", kFrom},
            {"spender", "0x402085c248EeA27D92E8b30b2C58ed07f9E20001"},
            {"nonce", nonce},
            {"deadline", "1740672154"},
            {"witness", {{"to", r.pay_to}, {"validAfter", "1740672089"}}}}}};
}

nlohmann::json erc7710(std::string context = "0xDEADbeef01") {
  return {{"delegationManager", "0xdb9B1e94B5b69Df7e401DDbedE43491141047dB3"},
          {"permissionContext", std::move(context)},
          {"delegator", kFrom}};
}

}  // namespace

TEST(SchemeLookup, ByNetworkFamily) {
  EXPECT_EQ(scheme_for_network("eip155:84532").family(), "evm");
  EXPECT_EQ(scheme_for_network("base").family(), "evm");
  EXPECT_EQ(scheme_for_network("eip155:31337").family(), "evm");  // not in the table, still EVM
  EXPECT_EQ(scheme_for_network("solana-devnet").family(), "solana");
  EXPECT_EQ(scheme_for_network("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp").family(), "solana");
  EXPECT_EQ(scheme_for_network("stellar:testnet").family(), "stellar");
  EXPECT_EQ(scheme_for_network("stacks:2147483648").family(), "stacks");
  EXPECT_EQ(scheme_for_network("cosmos:cosmoshub-4").family(), "other");
  EXPECT_EQ(scheme_for_network("no network").family(), "other");
  EXPECT_EQ(scheme_for(base_sepolia_usdc()).family(), "evm");
  Requirement v1_only;
  v1_only.v1_network = "solana";
  EXPECT_EQ(scheme_for(v1_only).family(), "solana");
}

TEST(SchemeIdentity, SolanaExtraJsonMemberIsTheSamePayment) {
  // Written first against payment::payment_identity, which failed it ("sha256:9749…" against
  // "sha256:b1f9…"): the same transaction with one more member was a new payment.
  Requirement r;
  r.network = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
  auto plain = payment_with(r.network, {{"transaction", std::string(vectors::solana::kV0)}});
  auto padded = payment_with(r.network, {{"transaction", std::string(vectors::solana::kV0)}, {"note", "new identity?"}});
  EXPECT_EQ(identity_of(plain, r), identity_of(padded, r));
  EXPECT_EQ(identity_of(plain, r).rfind("solana:", 0), 0u);
}

TEST(EvmScheme, Eip3009IdentityIsNetworkPayerAndNonceInLowerCase) {
  auto r = base_sepolia_usdc();
  const std::string expected = "evm:eip155:84532:0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc:" +
                               std::string("0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480");
  EXPECT_EQ(identity_of(payment_with("eip155:84532", eip3009(r)), r), expected);
  // Case, member order, extra members and the protocol version do not matter.
  auto lower_case = eip3009(r, "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "0xF3746613C2D920B5FDABC0856F2AEB2D4F88EE6037B8CC5D04A71A4462F13480");
  lower_case["authorization"]["extra"] = true;
  EXPECT_EQ(identity_of(payment_with("eip155:84532", lower_case), r), expected);
  EXPECT_EQ(identity_of(payment_with("base-sepolia", eip3009(r), 1), r), expected);
}

TEST(EvmScheme, SameNonceOnAnotherChainOrPayerIsAnotherPayment) {
  auto r = base_sepolia_usdc();
  const auto base = identity_of(payment_with(r.network, eip3009(r)), r);
  auto local = local_chain_token();
  EXPECT_NE(identity_of(payment_with(local.network, eip3009(local)), local), base);
  EXPECT_NE(identity_of(payment_with(r.network, eip3009(r, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")), r), base);
  EXPECT_NE(identity_of(payment_with(r.network, eip3009(r, kFrom, "0x" + std::string(64, '1'))), r), base);
}

TEST(EvmScheme, IdentityFieldsMissingOrMalformedAreRejected) {
  auto r = base_sepolia_usdc();
  auto no_nonce = eip3009(r);
  no_nonce["authorization"].erase("nonce");
  EXPECT_EQ(identity_of(payment_with(r.network, no_nonce), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(payment_with(r.network, eip3009(r, kFrom, "0x11")), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(payment_with(r.network, eip3009(r, "0xabc")), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(payment_with(r.network, eip3009(r, kFrom, "0x" + std::string(64, 'g'))), r), "rejected:invalid_payload");
  // No known shape: rejected, never a hash of the JSON.
  EXPECT_EQ(identity_of(payment_with(r.network, {{"transaction", "AAAA"}}), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(payment_with(r.network, nlohmann::json::object()), r), "rejected:invalid_payload");
  // Two shapes at once: the facilitator might settle either.
  auto both = eip3009(r);
  both["permit2Authorization"] = permit2(r)["permit2Authorization"];
  EXPECT_EQ(identity_of(payment_with(r.network, both), r), "rejected:invalid_payload");
  PaymentPayload no_payload;
  no_payload.document = {{"x402Version", 2}};
  EXPECT_EQ(identity_of(no_payload, r), "rejected:invalid_payload");
}

TEST(EvmScheme, Permit2IdentityHasItsOwnNonceSpace) {
  auto r = base_sepolia_usdc();
  EXPECT_EQ(identity_of(payment_with(r.network, permit2(r)), r),
            "evm:eip155:84532:permit2:0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc:"
            "33247007178036348590600198031289925668252061821958005840077069883511451257277");
  // A decimal written two ways would be two identities: only the canonical one is accepted.
  EXPECT_EQ(identity_of(payment_with(r.network, permit2(r, "0077")), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(payment_with(r.network, permit2(r, "0x4d")), r), "rejected:invalid_payload");
  EXPECT_EQ(identity_of(payment_with(r.network, permit2(r, std::string(79, '9'))), r), "rejected:invalid_payload");
}

TEST(EvmScheme, Erc7710IdentityIsTheDelegation) {
  auto r = base_sepolia_usdc();
  auto a = identity_of(payment_with(r.network, erc7710()), r);
  EXPECT_EQ(a.rfind("evm:eip155:84532:erc7710:0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc:", 0), 0u) << a;
  EXPECT_EQ(identity_of(payment_with(r.network, erc7710("0xdeadBEEF01")), r), a);  // hex case
  EXPECT_NE(identity_of(payment_with(r.network, erc7710("0xdeadbeef02")), r), a);
  EXPECT_EQ(identity_of(payment_with(r.network, erc7710("0x")), r), "rejected:invalid_payload");
}

TEST(EvmScheme, PrecheckKeepsTheEip3009ChecksAndReadsPermit2) {
  auto r = base_sepolia_usdc();
  EXPECT_EQ(precheck_of(payment_with(r.network, eip3009(r)), r), "ok");
  auto low = eip3009(r);
  low["authorization"]["value"] = "9999";
  EXPECT_EQ(precheck_of(payment_with(r.network, low), r), "payment_amount_mismatch");
  auto elsewhere = eip3009(r);
  elsewhere["authorization"]["to"] = "0x0000000000000000000000000000000000000001";
  EXPECT_EQ(precheck_of(payment_with(r.network, elsewhere), r), "payment_recipient_mismatch");

  EXPECT_EQ(precheck_of(payment_with(r.network, permit2(r)), r), "ok");
  auto p2 = permit2(r);
  p2["permit2Authorization"]["permitted"]["token"] = "0x0000000000000000000000000000000000000002";
  EXPECT_EQ(precheck_of(payment_with(r.network, p2), r), "payment_asset_mismatch");
  p2 = permit2(r);
  p2["permit2Authorization"]["permitted"]["amount"] = "9999";
  EXPECT_EQ(precheck_of(payment_with(r.network, p2), r), "payment_amount_mismatch");
  p2 = permit2(r);
  p2["permit2Authorization"]["witness"]["to"] = kFrom;
  EXPECT_EQ(precheck_of(payment_with(r.network, p2), r), "payment_recipient_mismatch");
  EXPECT_EQ(precheck_of(payment_with(r.network, erc7710()), r), "ok");  // nothing visible to check
}

TEST(EvmScheme, PayerOfEachShape) {
  auto r = base_sepolia_usdc();
  const auto& scheme = scheme_for(r);
  EXPECT_EQ(scheme.payer(payment_with(r.network, eip3009(r))), kFrom);
  EXPECT_EQ(scheme.payer(payment_with(r.network, permit2(r))), kFrom);
  EXPECT_EQ(scheme.payer(payment_with(r.network, erc7710())), kFrom);
  EXPECT_EQ(scheme.payer(payment_with(r.network, nlohmann::json::object())), "");
  EXPECT_EQ(payload_payer(payment_with("base-sepolia", eip3009(r), 1)), kFrom);
}

TEST(GenericScheme, HashesTheCanonicalPayloadOnItsNetwork) {
  Requirement r;
  r.network = "cosmos:cosmoshub-4";
  auto a = payment_with(r.network, nlohmann::json::parse(R"({"tx":"AAAA","x":1})"));
  auto b = payment_with(r.network, nlohmann::json::parse(R"({ "x" : 1, "tx" : "AAAA" })"));
  EXPECT_EQ(identity_of(a, r), identity_of(b, r));
  EXPECT_EQ(identity_of(a, r).rfind("other:cosmos:cosmoshub-4:", 0), 0u);
  Requirement elsewhere = r;
  elsewhere.network = "cosmos:theta-testnet-001";
  EXPECT_NE(identity_of(a, elsewhere), identity_of(a, r));
  // Why the fallback is weaker: an extra member is a new identity for what may be the same
  // payment. Families the gateway can read have their own scheme instead.
  b.document["payload"]["y"] = 2;
  EXPECT_NE(identity_of(a, r), identity_of(b, r));
  EXPECT_EQ(precheck_of(a, r), "ok");
  EXPECT_EQ(scheme_for(r).payer(a), "");
  PaymentPayload no_payload;
  EXPECT_EQ(identity_of(no_payload, r), "rejected:invalid_payload");
}

// upto (specs/schemes/upto/scheme_upto_evm.md, @x402/evm 2.27's upto facilitator): a Permit2
// witness transfer of exactly the maximum, to the upto proxy, naming the payee and the facilitator.
namespace {
Requirement upto_requirement() {
  Requirement r = base_sepolia_usdc("100000");
  r.scheme = "upto";
  r.extra["assetTransferMethod"] = "permit2";
  r.extra["facilitatorAddress"] = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
  return r;
}

nlohmann::json upto_payload(const Requirement& r) {
  return {{"signature", "0x" + std::string(130, 'c')},
          {"permit2Authorization",
           {{"permitted", {{"token", r.asset}, {"amount", r.amount}}},
            {"from", kFrom},
            {"spender", std::string(kUptoPermit2ProxyAddress)},
            {"nonce", "4242"},
            {"deadline", "1740672154"},
            {"witness", {{"to", r.pay_to}, {"facilitator", "0x90f79bf6eb2c4f870365e785982e1f101e93b906"}, {"validAfter", "0"}}}}}};
}
}  // namespace

TEST(EvmScheme, UptoPrecheckReadsThePermit2Witness) {
  const Requirement r = upto_requirement();
  EXPECT_EQ(precheck_of(payment_with(r.network, upto_payload(r)), r), "ok");
  EXPECT_EQ(identity_of(payment_with(r.network, upto_payload(r)), r), "evm:eip155:84532:permit2:0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc:4242");

  auto changed = [&](auto edit) {
    nlohmann::json p = upto_payload(r);
    edit(p);
    return precheck_of(payment_with(r.network, p), r);
  };
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["permitted"]["amount"] = "99999"; }), "payment_amount_mismatch");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["permitted"]["amount"] = "100001"; }), "payment_amount_mismatch");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["witness"]["to"] = "0x" + std::string(40, '1'); }), "payment_recipient_mismatch");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["permitted"]["token"] = "0x" + std::string(40, '2'); }), "payment_asset_mismatch");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["spender"] = "0x402085c248EeA27D92E8b30b2C58ed07f9E20001"; }), "invalid_permit2_spender");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["witness"]["facilitator"] = "0x" + std::string(40, '3'); }), "upto_facilitator_mismatch");
  // Structure: what the facilitator's isUptoPermit2Payload needs, checked without a chain.
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["witness"].erase("facilitator"); }), "invalid_payload");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"].erase("witness"); }), "invalid_payload");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["deadline"] = "soon"; }), "invalid_payload");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["witness"]["validAfter"] = 0; }), "invalid_payload");
  EXPECT_EQ(changed([](auto& p) { p["permit2Authorization"]["from"] = "0x123"; }), "invalid_payload");
  EXPECT_EQ(changed([](auto& p) { p["signature"] = "nothex"; }), "invalid_payload");
  EXPECT_EQ(changed([](auto& p) { p.erase("signature"); }), "invalid_payload");
  // An ERC-3009 authorization cannot pay upto.
  EXPECT_EQ(precheck_of(payment_with(r.network, eip3009(r)), r), "invalid_payload");
  // The exact requirement's checks are unchanged by it.
  const Requirement exact = base_sepolia_usdc();
  EXPECT_EQ(precheck_of(payment_with(exact.network, permit2(exact)), exact), "ok");
}

TEST(EvmScheme, UptoIsNotOfferedToV1Clients) {
  const Requirement r = upto_requirement();
  EXPECT_FALSE(offered_to_v1(r));
  EXPECT_TRUE(offered_to_v1(base_sepolia_usdc()));
}
