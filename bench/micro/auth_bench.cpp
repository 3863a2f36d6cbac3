// Facilitator authentication: the headers of one call (a fresh signed JWT for CDP and PayAI), as
// every /verify and /settle pays for them.
#include <benchmark/benchmark.h>

#include "auth/authenticator.hpp"
#include "auth/test_keys.hpp"

namespace {

using namespace x402gw::auth;
using namespace x402gw::auth::test;

const CallTarget kVerify{"POST", "api.cdp.coinbase.com", "/platform/v2/x402/verify"};

void BM_CdpHeadersEs256(benchmark::State& state) {
  auto k = generate("EC", "P-256");
  auto auth = make_cdp_authenticator("organizations/o/apiKeys/k", std::get<SigningKey>(parse_cdp_secret(sec1_pem(k.get()))));
  for (auto _ : state) benchmark::DoNotOptimize(auth->headers(kVerify));
}
BENCHMARK(BM_CdpHeadersEs256);

void BM_CdpHeadersEdDsa(benchmark::State& state) {
  auto k = generate("ED25519");
  auto auth = make_cdp_authenticator("organizations/o/apiKeys/k", std::get<SigningKey>(parse_cdp_secret(cdp_ed25519_secret(k.get()))));
  for (auto _ : state) benchmark::DoNotOptimize(auth->headers(kVerify));
}
BENCHMARK(BM_CdpHeadersEdDsa);

void BM_PayaiHeaders(benchmark::State& state) {
  auto k = generate("ED25519");
  auto auth = make_payai_authenticator("pk", std::get<SigningKey>(parse_payai_secret(pkcs8_der_base64(k.get()))));
  for (auto _ : state) benchmark::DoNotOptimize(auth->headers(kVerify));
}
BENCHMARK(BM_PayaiHeaders);

}  // namespace
