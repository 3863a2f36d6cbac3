// libFuzzer target: payment headers (base64 + JSON) through decoding, matching and identity.
#include <cstdint>
#include <string>

#include "core/json_read.hpp"
#include "core/json_text.hpp"
#include "x402/base64.hpp"
#include "x402/payment_payload.hpp"
#include "x402/scheme.hpp"

namespace {
std::vector<x402gw::x402::Requirement> requirements() {
  x402gw::x402::Requirement r;
  r.network = "eip155:84532";
  r.v1_network = "base-sepolia";
  r.amount = "10000";
  r.asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
  r.pay_to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  r.extra = {{"name", "USDC"}, {"version", "2"}};
  return {r};
}

// One requirement per other network family, so that every scheme's parser is reached.
std::vector<x402gw::x402::Requirement> other_families() {
  std::vector<x402gw::x402::Requirement> out;
  for (const char* network : {"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "stellar:testnet", "stacks:2147483648", "acme:1"}) {
    x402gw::x402::Requirement r;
    r.network = network;
    r.amount = "10000";
    r.asset = "ASSET";
    r.pay_to = "PAYTO";
    out.push_back(r);
  }
  return out;
}
// Same value and same type everywhere (nlohmann's == says 5u == 5).
bool same(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
      if (ia.key() != ib.key() || !same(*ia, *ib)) return false;
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  return a.is_number_float() ? x402gw::core::json_text(a) == x402gw::core::json_text(b) : a == b;
}

// The payment's JSON is read by core::read_json; it must read what nlohmann reads (the digest and
// the facilitator body are written from it). Nesting beyond its limit is its one refusal of more.
void check_reader(const std::string& text) {
  const nlohmann::json expected = nlohmann::json::parse(text, nullptr, false);
  const auto got = x402gw::core::read_json(text);
  size_t opens = 0;
  for (char c : text) opens += c == '[' || c == '{';
  if (!got && !expected.is_discarded() && opens > x402gw::core::kMaxJsonDepth) return;
  if (expected.is_discarded() != !got.has_value()) __builtin_trap();
  if (got && (!same(expected, *got) || x402gw::core::json_text(expected) != x402gw::core::json_text(*got))) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto reqs = requirements();
  static const auto others = other_families();
  std::string input(reinterpret_cast<const char*>(data), size);
  check_reader(input);
  // Both the raw input as a header value and its base64 form (so the JSON layer is reached often).
  for (const std::string& value : {input, x402gw::x402::base64_encode(input)}) {
    for (int version : {1, 2}) {
      auto decoded = x402gw::x402::decode_payment_header(value, version);
      if (auto* p = std::get_if<x402gw::x402::PaymentPayload>(&decoded)) {
        (void)x402gw::x402::match_requirement(*p, reqs);
        (void)x402gw::x402::payload_payer(*p);
        // An identity is never empty: a payload without one is refused instead.
        auto identity = x402gw::x402::scheme_for(reqs.front()).identity(*p, reqs.front());
        if (auto* id = std::get_if<std::string>(&identity); id && id->empty()) __builtin_trap();
        for (const auto& r : others) {
          const auto& scheme = x402gw::x402::scheme_for(r);
          auto other = scheme.identity(*p, r);
          if (auto* id = std::get_if<std::string>(&other); id && id->empty()) __builtin_trap();
          (void)scheme.precheck(*p, r);
          (void)scheme.payer(*p);
        }
      }
    }
  }
  // base64 must round-trip whatever it decodes.
  if (auto bytes = x402gw::x402::base64_decode(input)) {
    auto again = x402gw::x402::base64_decode(x402gw::x402::base64_encode(*bytes));
    if (!again || *again != *bytes) __builtin_trap();
  }
  return 0;
}
