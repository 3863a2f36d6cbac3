// No double charge, no double serve: one payment is settled at most once, however it is presented;
// presented again after its answer was delivered, it is refused with 402 payment_already_used (R3,
// the default), or served again without a second /verify or /settle where the route sells a pass
// (on_repeat: pass). repeat_rules.test.mjs has the rest of R2 and R3.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader } from "../support/gateway.mjs";
import { waitFor } from "../support/raw.mjs";

let upstream, facilitator, gw;

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith("/teapot")) { res.statusCode = 418; return res.end("no"); }
    res.end(JSON.stringify({ ok: true }));
  });
  facilitator = await startFacilitator({ verify: () => ({ delayMs: 300, body: { isValid: true, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } }) });
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: `  - { match: "GET /paid", price: "$0.01" }
  - { match: "GET /before", price: "$0.01", settlement: before }
  - { match: "GET /teapot", price: "$0.01" }
  - { match: "GET /once", price: "$0.01", on_repeat: refuse }
  - { match: "GET /pass", price: "$0.01", on_repeat: pass }` }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

// Presents `headers` at `path` again after a served presentation. The client can hold its 200 a
// moment before the gateway has recorded the delivery (right after the answer's bytes went out):
// until then the presentation is refused as in flight, never served or charged. Retried until the
// refusal is the final one; each try must be a 402.
async function presentAgain(path, headers) {
  let error;
  await waitFor(async () => {
    const again = await fetch(gw.url(path), { headers });
    assert.equal(again.status, 402);
    error = (await again.json()).error;
    assert.ok(["payment_already_used", "payment_in_flight"].includes(error), error);
    return error !== "payment_in_flight";
  }, { ms: 5000, every: 50 });
  return error;
}

function reset() {
  upstream.requests.length = 0;
  facilitator.calls.length = 0;
}

for (const [path, version] of [["/paid", 2], ["/paid", 1], ["/before", 2]]) {
  test(`${path} v${version}: 20 concurrent presentations of one payment -> one served and settled, 19 refused`, async () => {
    reset();
    const c = await challenge(gw.url(path));
    const header = paymentHeader(version, version === 2 ? c.v2 : c.v1, { nonce: `${version}${path.length}`.padEnd(64, "7") });
    const name = version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT";
    const results = await Promise.all(Array.from({ length: 20 }, () => fetch(gw.url(path), { headers: { [name]: header } }).then(async (r) => ({ status: r.status, body: await r.json() }))));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    const refused = results.filter((r) => r.status !== 200);
    assert.equal(refused.length, 19);
    for (const r of refused) {
      assert.equal(r.status, 402);
      assert.equal(r.body.error, "payment_in_flight");
    }
    assert.equal(upstream.requests.length, 1);
    assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify", "settle"]);

    // Presented again once its answer was delivered: it buys nothing more (R3), and is never charged again.
    const first = facilitator.calls.length;
    assert.equal(await presentAgain(path, { [name]: header }), "payment_already_used");
    assert.equal(upstream.requests.length, 1, "the upstream is not called again");
    assert.equal(facilitator.calls.length, first, "no second /verify or /settle");
  });
}

test("on_repeat: pass -> a delivered payment presented again is served again with its stored receipt, never charged again", async () => {
  reset();
  const c = await challenge(gw.url("/pass"));
  const header = paymentHeader(2, c.v2);
  assert.equal((await fetch(gw.url("/pass"), { headers: { "PAYMENT-SIGNATURE": header } })).status, 200);
  const again = await fetch(gw.url("/pass"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(again.status, 200);
  const receipt = again.headers.get("payment-response");
  assert.ok(receipt, "the stored receipt goes with the repeat");
  assert.equal(JSON.parse(Buffer.from(receipt, "base64").toString()).transaction, "0x" + "ab".repeat(32));
  assert.equal(upstream.requests.length, 2, "the upstream is called again");
  assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify", "settle"], "no second /verify or /settle");
});

test("on_repeat: refuse -> a settled payment presented again is 402 payment_already_used", async () => {
  reset();
  const c = await challenge(gw.url("/once"));
  const header = paymentHeader(2, c.v2);
  assert.equal((await fetch(gw.url("/once"), { headers: { "PAYMENT-SIGNATURE": header } })).status, 200);
  assert.equal(await presentAgain("/once", { "PAYMENT-SIGNATURE": header }), "payment_already_used");
  assert.equal(upstream.requests.length, 1);
  assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify", "settle"]);
});

test("a payload forged around a settled payer and nonce is not served again", async () => {
  reset();
  const c = await challenge(gw.url("/paid"));
  const nonce = "4".repeat(64);
  assert.equal((await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2, { nonce }) } })).status, 200);
  // Same payer and nonce (public on chain once settled), another signature.
  const doc = JSON.parse(Buffer.from(paymentHeader(2, c.v2, { nonce }), "base64").toString());
  doc.payload.signature = "0x" + "bb".repeat(65);
  const forged = Buffer.from(JSON.stringify(doc)).toString("base64");
  assert.equal(await presentAgain("/paid", { "PAYMENT-SIGNATURE": forged }), "payment_already_used");
  assert.equal(upstream.requests.length, 1);
});

test("a payment that was not settled (upstream failed) may be presented again", async () => {
  reset();
  const c = await challenge(gw.url("/teapot"));
  const header = paymentHeader(2, c.v2, { nonce: "9".repeat(64) });
  assert.equal((await fetch(gw.url("/teapot"), { headers: { "PAYMENT-SIGNATURE": header } })).status, 418);
  assert.equal((await fetch(gw.url("/teapot"), { headers: { "PAYMENT-SIGNATURE": header } })).status, 418);
  assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify", "verify"]);
});

// Also for the same price: a payment settled for one route is not served by another.
test("the same payment for a different route is still the same payment, and not served there", async () => {
  reset();
  const c = await challenge(gw.url("/paid"));
  const header = paymentHeader(2, c.v2, { nonce: "5".repeat(64) });
  assert.equal((await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } })).status, 200);
  const other = await challenge(gw.url("/before"));
  const reused = paymentHeader(2, other.v2, { nonce: "5".repeat(64) });  // same payer and nonce
  assert.equal(await presentAgain("/before", { "PAYMENT-SIGNATURE": reused }), "payment_already_used");
});
