// Issue 23: the in-process payment store is bounded (state.max_payments), and what happens at the
// bound keeps the money rules: a new payment the store has no room for is refused with 503
// state_full and Retry-After before anything is asked of the facilitator (nothing charged), and no
// remembered payment is forgotten to make room (a used one stays refused, R3). A payment whose
// claim was released (refused by the facilitator) takes no room.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader } from "../support/gateway.mjs";
import { metric } from "../support/raw.mjs";

let upstream, facilitator, gw;

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator({
    verify: (b) => ({ body: b.paymentPayload.payload.authorization.nonce.endsWith("bad")
      ? { isValid: false, invalidReason: "invalid_signature" } : { isValid: true, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } }),
  });
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url,
    routes: `  - { match: "GET /paid", price: "$0.01" }`, extra: "state:\n  max_payments: 2" }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

const pay = (accepted, nonce) => fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, accepted, { nonce }) } });

test("state.max_payments: the payment past the bound is refused (503 state_full, Retry-After), nothing charged, nothing forgotten", async () => {
  const c = await challenge(gw.url("/paid"));
  // Refused by the facilitator: its claim is released and takes no room.
  const refused = await pay(c.v2, "1".repeat(61) + "bad");
  assert.equal(refused.status, 402);
  for (const nonce of ["a".repeat(64), "b".repeat(64)]) assert.equal((await pay(c.v2, nonce)).status, 200, nonce);

  facilitator.calls.length = 0;
  upstream.requests.length = 0;
  const full = await pay(c.v2, "c".repeat(64));
  assert.equal(full.status, 503);
  assert.equal((await full.json()).error, "state_full");
  const retry = Number(full.headers.get("retry-after"));
  assert.ok(retry >= 60, `Retry-After ${full.headers.get("retry-after")}: when the first remembered payment expires`);
  assert.equal(facilitator.calls.length, 0, "no /verify and no /settle for a payment the store cannot remember");
  assert.equal(upstream.requests.length, 0);

  // Nothing was forgotten to make room: the used payments are still refused as used (R3).
  const again = await pay(c.v2, "a".repeat(64));
  assert.equal(again.status, 402);
  assert.match(await again.text(), /payment_already_used/);
  assert.equal(facilitator.calls.length, 0);

  assert.equal(await metric(gw, "x402gw_replay_store_payments"), 2);
  assert.equal(await metric(gw, "x402gw_replay_store_max_payments"), 2);
  assert.equal(await metric(gw, "x402gw_replay_store_full_total"), 1);
  assert.match(gw.stderr(), /replay store full/);
});
