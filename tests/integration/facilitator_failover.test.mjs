// Several facilitators per route: failover, circuit breakers, Retry-After, and /supported as the
// truth. Scripted facilitators: one down (a closed port), one hanging (never answers), one 5xx,
// one 429 with Retry-After, and healthy ones behind them; each records the calls it saw.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { startGateway, startUpstream, startFacilitator, challenge, paymentHeader, decodeHeader, deadPort, runGatewayCommand, writeConfig, PAY_TO } from "../support/gateway.mjs";
import { metric, waitFor, sleep } from "../support/raw.mjs";

const SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const FEE_PAYER = "FeePayer1111111111111111111111111111111111";
const evmKinds = [{ x402Version: 2, scheme: "exact", network: "eip155:84532" }];

let upstream, gw, downUrl;
const f = {};  // the scripted facilitators, by name

const fail500 = () => ({ status: 500, body: { error: "internal" } });

before(async () => {
  upstream = await startUpstream();
  downUrl = `http://127.0.0.1:${await deadPort()}`;
  f.hang = await startFacilitator({ verify: () => ({ hang: true }), settle: () => ({ hang: true }) });
  f.broken = await startFacilitator({ verify: fail500, settle: fail500 });
  f.limited = await startFacilitator({ verify: () => ({ status: 429, headers: { "retry-after": "3" }, body: { error: "slow down" } }) });
  f.solo = await startFacilitator({ verify: fail500 });
  for (const name of ["good1", "good2", "good3", "good4", "good5"]) f[name] = await startFacilitator();
  f.sol = await startFacilitator({
    supported: () => ({ body: { kinds: [...evmKinds, { x402Version: 2, scheme: "exact", network: SOLANA_DEVNET, extra: { feePayer: FEE_PAYER } }], signers: { "solana:*": [FEE_PAYER] } } }),
  });
  gw = await startGateway(`listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
supported_refresh: 1s
upstreams:
  api: { url: "${upstream.url}" }
facilitators:
  down: { url: "${downUrl}", timeout: 2s, breaker: { failures: 100 } }
  hang: { url: "${f.hang.url}", timeout: 500ms, breaker: { failures: 100 } }
  broken: { url: "${f.broken.url}", timeout: 2s, breaker: { failures: 3, open_for: 3s } }
  limited: { url: "${f.limited.url}", timeout: 2s }
  solo: { url: "${f.solo.url}", timeout: 2s, breaker: { failures: 1, open_for: 60s } }
  good1: { url: "${f.good1.url}" }
  good2: { url: "${f.good2.url}" }
  good3: { url: "${f.good3.url}" }
  good4: { url: "${f.good4.url}" }
  good5: { url: "${f.good5.url}" }
  sol: { url: "${f.sol.url}" }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
routes:
  - { match: "GET /down", price: "$0.01", facilitator: [down, good1] }
  - { match: "GET /hang", price: "$0.01", facilitator: [hang, good2] }
  - { match: "GET /broken", price: "$0.01", facilitator: [broken, good3] }
  - { match: "GET /limited", price: "$0.01", facilitator: [limited, good4] }
  - { match: "GET /solo", price: "$0.01", facilitator: solo }
  - { match: "GET /sol", price: "$0.01", network: "${SOLANA_DEVNET}", pay_to: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", facilitator: [sol, good5] }
  - { match: "/*" }
`);
});

after(async () => {
  await gw.stop();
  await upstream.close();
  for (const x of Object.values(f)) await x.close();
});

const seen = (name) => f[name].calls.map((c) => c.endpoint);
const forget = () => { upstream.requests.length = 0; for (const x of Object.values(f)) x.calls.length = 0; };

async function pay(path) {
  const { v2 } = await challenge(gw.url(path));
  assert.ok(v2, `a v2 challenge for ${path}`);
  return fetch(gw.url(path), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, v2) } });
}

async function readyz() {
  const r = await fetch(gw.admin("/readyz"));
  return { status: r.status, body: await r.json() };
}

// Proves: /verify and /settle both move on from a facilitator whose port is closed (the request
// never reached it, so even settle may), and the failovers are counted.
test("down facilitator: verify and settle go to the next one", async () => {
  forget();
  const res = await pay("/down");
  assert.equal(res.status, 200, await res.text());
  assert.deepEqual(seen("good1"), ["verify", "settle"]);
  assert.equal(upstream.requests.length, 1);
  assert.equal(await metric(gw, 'x402gw_facilitator_failovers_total{facilitator="down",endpoint="verify"}'), 1);
  assert.equal(await metric(gw, 'x402gw_facilitator_failovers_total{facilitator="down",endpoint="settle"}'), 1);
});

// Proves: a facilitator that never answers is bounded by its timeout; verify moves on, but a
// settle that was sent and not answered stays unknown (504) and is never sent anywhere else.
test("hanging facilitator: verify fails over after its timeout; a settle sent to it is 504 and never sent again", async () => {
  forget();
  const started = Date.now();
  const res = await pay("/hang");
  const body = await res.json();
  assert.equal(res.status, 504, JSON.stringify(body));
  assert.equal(body.error, "facilitator_timeout");
  assert.deepEqual(seen("hang"), ["verify", "settle"]);
  assert.deepEqual(seen("good2"), ["verify"], "no second settlement anywhere");
  assert.ok(Date.now() - started < 10000, "bounded by the 500ms timeouts");
});

// Proves: a 5xx moves verify on but not settle; after `failures` failures the breaker opens and
// the facilitator is skipped; once open_for has passed one probe goes through, and a successful
// probe closes it. /metrics and /readyz say so at each step.
test("5xx facilitator: verify fails over, settle does not; the breaker opens, probes half-open, closes", async () => {
  forget();
  // The 500 to /settle may have landed: the reconciler asks "broken" again, and learns it landed.
  let settles = 0;
  f.broken.script.settle = () => (++settles === 1 ? fail500() : { status: 400, body: { success: false, errorReason: "invalid_exact_evm_nonce_already_used", transaction: "" } });
  let res = await pay("/broken");
  assert.equal(res.status, 502, "settle answered 500: the payment is not settled elsewhere");
  assert.deepEqual(seen("broken"), ["verify", "settle"]);
  assert.deepEqual(seen("good3"), ["verify"]);
  assert.ok(await waitFor(() => settles === 2), "reconciled at the facilitator that had it");

  forget();
  res = await pay("/broken");  // the third failure (verify) opens it: settle skips it
  assert.equal(res.status, 200, await res.text());
  assert.deepEqual(seen("broken"), ["verify"]);
  assert.deepEqual(seen("good3"), ["verify", "settle"]);
  assert.equal(await metric(gw, 'x402gw_facilitator_breaker_state{facilitator="broken"}'), 1);
  assert.equal(await metric(gw, 'x402gw_facilitator_breaker_transitions_total{facilitator="broken",to="open"}'), 1);
  assert.ok(await metric(gw, 'x402gw_facilitator_skipped_total{facilitator="broken",endpoint="settle"}') >= 1);
  const exposition = await (await fetch(gw.admin("/metrics"))).text();
  const promtool = spawnSync("promtool", ["check", "metrics"], { input: exposition });
  assert.equal(promtool.status, 0, `promtool: ${promtool.stdout}${promtool.stderr}`);
  const r = await readyz();
  assert.equal(r.status, 200, "the route still has good3");
  assert.ok(r.body.degraded.some((d) => /facilitator 'broken': circuit open .*after 3 consecutive failures/.test(d)), JSON.stringify(r.body));

  forget();
  res = await pay("/broken");
  assert.equal(res.status, 200);
  assert.deepEqual(seen("broken"), [], "skipped while open");

  await sleep(3100);  // open_for: one probe may go
  forget();
  res = await pay("/broken");
  assert.equal(res.status, 200);
  assert.deepEqual(seen("broken"), ["verify"], "one probe, which failed");
  assert.equal(await metric(gw, 'x402gw_facilitator_breaker_transitions_total{facilitator="broken",to="half_open"}'), 1);
  assert.equal(await metric(gw, 'x402gw_facilitator_breaker_transitions_total{facilitator="broken",to="open"}'), 2);

  f.broken.script.verify = undefined;  // healthy again
  f.broken.script.settle = undefined;
  await sleep(3100);
  forget();
  res = await pay("/broken");
  assert.equal(res.status, 200);
  assert.deepEqual(seen("broken"), ["verify", "settle"], "the probe succeeded: closed again");
  assert.deepEqual(seen("good3"), []);
  assert.equal(await metric(gw, 'x402gw_facilitator_breaker_state{facilitator="broken"}'), 0);
  assert.equal(await metric(gw, 'x402gw_facilitator_breaker_transitions_total{facilitator="broken",to="closed"}'), 1);
  const after = await readyz();
  assert.ok(!(after.body.degraded || []).some((d) => d.includes("'broken'")), JSON.stringify(after.body));
});

// Proves: a 429 with Retry-After is honoured: the facilitator is not called again before then.
test("429 with Retry-After: the facilitator is skipped until then", async () => {
  forget();
  let res = await pay("/limited");
  assert.equal(res.status, 200);
  assert.deepEqual(seen("limited"), ["verify"]);
  assert.deepEqual(seen("good4"), ["verify", "settle"]);
  forget();
  res = await pay("/limited");
  assert.equal(res.status, 200);
  assert.deepEqual(seen("limited"), [], "held by Retry-After: 3");
  assert.ok(await metric(gw, 'x402gw_facilitator_skipped_total{facilitator="limited",endpoint="verify"}') >= 1);
  f.limited.script.verify = undefined;
  await sleep(3100);
  forget();
  res = await pay("/limited");
  assert.equal(res.status, 200);
  assert.deepEqual(seen("limited"), ["verify", "settle"], "called again after the Retry-After time");
});

// Proves: the Solana fee payer left out of the configuration is taken from /supported's extra.
test("/supported is the truth: the Solana feePayer comes from the facilitator", async () => {
  const accept = await waitFor(async () => {
    const { v2doc } = await challenge(gw.url("/sol"));
    return v2doc?.accepts?.[0]?.extra?.feePayer ? v2doc.accepts[0] : undefined;
  });
  assert.ok(accept, "the 402 names a fee payer");
  assert.equal(accept.extra.feePayer, FEE_PAYER);
  assert.equal(accept.network, SOLANA_DEVNET);
});

// Proves: with every facilitator of a route open, the route answers 503 at once (nothing is sent)
// and /readyz is 503 naming the route and the facilitator.
test("every facilitator open: 503 facilitator_unavailable, and /readyz names the route", async () => {
  forget();
  let res = await pay("/solo");
  assert.equal(res.status, 502);
  assert.deepEqual(seen("solo"), ["verify"]);
  forget();
  res = await pay("/solo");
  const body = await res.json();
  assert.equal(res.status, 503, JSON.stringify(body));
  assert.equal(body.error, "facilitator_unavailable");
  assert.deepEqual(seen("solo"), []);
  const r = await readyz();
  assert.equal(r.status, 503);
  assert.ok(r.body.reasons.includes("route 'GET /solo': every facilitator's circuit is open ('solo')"), JSON.stringify(r.body));
  assert.ok(r.body.degraded.some((d) => d.startsWith("facilitator 'solo': circuit open")), JSON.stringify(r.body));
});

// Proves: a reload keeps each facilitator's breaker (same name and URL) and serves the Solana fee
// payer from the last /supported answers at once, before the facilitators are asked again.
test("reload: breakers and the fee payer from /supported carry over", async () => {
  const reloaded = await fetch(gw.admin("/admin/reload"), { method: "POST" });
  assert.equal(reloaded.status, 200, await reloaded.text());
  const { v2doc } = await challenge(gw.url("/sol"));
  assert.equal(v2doc.accepts[0].extra.feePayer, FEE_PAYER, "no 402 without the fee payer after a reload");
  forget();
  const res = await pay("/solo");
  assert.equal(res.status, 503, "solo's breaker is still open");
  assert.deepEqual(seen("solo"), []);
});

// Proves: --check --online asks each facilitator for /supported; a route none of its facilitators
// lists is an error naming it (exit 3); a good configuration passes and says what it took.
test("--check --online: an unsupported route is a start-up error naming it", async () => {
  const evmOnly = await startFacilitator({ supported: () => ({ body: { kinds: evmKinds } }) });
  try {
    const config = (routes) => writeConfig(`upstreams:
  api: { url: "${upstream.url}" }
facilitators:
  a: { url: "${evmOnly.url}" }
  s: { url: "${f.sol.url}" }
  down: { url: "${downUrl}", connect_timeout: 1s }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
routes:
${routes}`);
    let r = await runGatewayCommand(["--check", "--online", "--config", config(`  - { match: "GET /sol", price: "$0.01", network: "${SOLANA_DEVNET}", pay_to: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", facilitator: [down, a] }`)]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error: route 'GET \/sol' accepts exact on solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1, which facilitator 'a' does not list in \/supported/);
    assert.match(r.stderr, /warning: route 'GET \/sol' runs on its other facilitators: facilitator 'down': cannot connect/);

    r = await runGatewayCommand(["--check", "--online", "--config", config(`  - { match: "GET /sol", price: "$0.01", network: "${SOLANA_DEVNET}", pay_to: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", facilitator: s }
  - { match: "GET /evm", price: "$0.01", facilitator: [a, s] }`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok online \(2 routes/);
    assert.match(r.stderr, new RegExp(`route 'GET /sol': fee payer ${FEE_PAYER} taken from /supported`));

    r = await runGatewayCommand(["--online", "--config", config(`  - { match: "GET /evm", price: "$0.01", facilitator: a }`)]);
    assert.equal(r.code, 2, "--online goes with --check");
    r = await runGatewayCommand(["--check", "--config", config(`  - { match: "GET /evm", price: "$0.01", facilitator: [a, a] }`)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /facilitator 'a' is listed twice/);
  } finally {
    await evmOnly.close();
  }
});
