// libFuzzer target: facilitator answers (/verify, /settle, /supported) and receipts.
#include <cstdint>
#include <string>

#include "x402/base64.hpp"
#include "x402/facilitator_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)x402gw::x402::parse_verify_response(body);
  if (auto settle = x402gw::x402::parse_settle_response(body)) {
    if (settle->success && settle->transaction.empty()) __builtin_trap();  // no proof, no success
    auto receipt = x402gw::x402::base64_decode(x402gw::x402::encode_receipt(*settle));
    if (!receipt) __builtin_trap();
  }
  if (auto kinds = x402gw::x402::parse_supported_response(body)) {
    x402gw::x402::Requirement r;
    r.network = "eip155:8453";
    r.v1_network = "base";
    (void)x402gw::x402::supports(*kinds, r);
  }
  return 0;
}
