// Several replicas, one gateway: two gateway processes share their payment state in one real
// redis-server (started here on a free loopback port, stopped after).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader } from "../support/gateway.mjs";
import { startRedis } from "../support/redis.mjs";
import { waitFor } from "../support/raw.mjs";

const PASSWORD = "test-only-redis-password";
let redis, upstream, facilitator, replicas;

const stateSection = (url, prefix = "x402gw-test:") => `state:
  store: redis
  url: "${url}"
  password: "\${REDIS_PASSWORD}"
  key_prefix: "${prefix}"
  timeout: 500ms
  connect_timeout: 500ms`;

const routes = `  - { match: "GET /paid", price: "$0.01" }
  - { match: "GET /pass", price: "$0.01", on_repeat: pass }
  - { match: "GET /free" }`;

async function startReplicas(n, { prefix, limits = "" } = {}) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes, limits, extra: stateSection(redis.url, prefix) }),
                                { env: { REDIS_PASSWORD: PASSWORD } }));
  return out;
}

async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle").length;

before(async () => {
  redis = await startRedis({ password: PASSWORD });
  upstream = await startUpstream();
  // verify takes a while, so that all presentations overlap the first one
  facilitator = await startFacilitator({ verify: () => ({ delayMs: 300, body: { isValid: true, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } }) });
  replicas = await startReplicas(2);
  await until("both replicas connected to Redis", async () => {
    const states = await Promise.all(replicas.map((g) => fetch(g.admin("/readyz")).then((r) => r.status)));
    return states.every((s) => s === 200);
  });
});

after(async () => {
  for (const g of replicas ?? []) await g.stop();
  await upstream?.close();
  await facilitator?.close();
  await redis?.stop();
});

test("50 concurrent presentations of one payment over two replicas: one upstream hit, one settlement", async () => {
  upstream.requests.length = 0;
  facilitator.calls.length = 0;
  const c = await challenge(replicas[0].url("/paid"));
  const header = paymentHeader(2, c.v2, { nonce: "1".repeat(64) });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    fetch(replicas[i % 2].url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } }).then(async (r) => ({ status: r.status, body: await r.json() }))));
  // One settles; the others arrive while it is in flight, or after its answer went out (used).
  const ok = results.filter((r) => r.status === 200).length;
  assert.equal(ok, 1);
  for (const r of results.filter((r) => r.status !== 200)) {
    assert.equal(r.status, 402);
    assert.ok(["payment_in_flight", "payment_already_used"].includes(r.body.error), r.body.error);
  }
  assert.equal(upstream.requests.length, 1);
  assert.equal(settles(), 1);
  assert.equal(facilitator.calls.filter((x) => x.endpoint === "verify").length, 1);
});

test("a delivered payment presented again at the other replica is 402 payment_already_used (R3); on a pass route it is served with its receipt from Redis; never settled twice", async () => {
  upstream.requests.length = 0;
  facilitator.calls.length = 0;
  const c = await challenge(replicas[0].url("/paid"));
  const header = paymentHeader(2, c.v2, { nonce: "2".repeat(64) });
  // The delivery is recorded once the answer's write ended, an instant after the client read it
  // (a presentation in that instant gets 402 payment_in_flight): the access log line comes after.
  const ended = async (replica, path, n) => assert.ok(await waitFor(() => replica.access.filter((l) => l.path === path && l.status === 200).length >= n), `${path} ended`);
  const first = await fetch(replicas[0].url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(first.status, 200);
  assert.ok(first.headers.get("payment-response"));
  await first.text();
  await ended(replicas[0], "/paid", 1);
  const again = await fetch(replicas[1].url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(again.status, 402);
  assert.equal((await again.json()).error, "payment_already_used");
  assert.equal(upstream.requests.length, 1);
  assert.equal(settles(), 1);

  const p = await challenge(replicas[0].url("/pass"));
  const passHeader = paymentHeader(2, p.v2, { nonce: "6".repeat(64) });
  const bought = await fetch(replicas[0].url("/pass"), { headers: { "PAYMENT-SIGNATURE": passHeader } });
  assert.equal(bought.status, 200);
  const receipt = bought.headers.get("payment-response");
  await bought.text();
  await ended(replicas[0], "/pass", 1);
  const passAgain = await fetch(replicas[1].url("/pass"), { headers: { "PAYMENT-SIGNATURE": passHeader } });
  assert.equal(passAgain.status, 200);
  assert.equal(passAgain.headers.get("payment-response"), receipt);
  assert.equal(upstream.requests.length, 3);
  assert.equal(settles(), 2);
  assert.equal(facilitator.calls.filter((x) => x.endpoint === "verify").length, 2);
  // The delivered marker carries the settlement, so any replica can answer with it.
  const keys = redis.cli("--scan", "--pattern", "x402gw-test:claim:*").trim().split("\n").filter(Boolean);
  const values = keys.map((k) => redis.cli("GET", k).trim());
  assert.ok(values.every((v) => v.startsWith("D:")), values.join("\n"));
  assert.ok(values.some((v) => v.includes("ab".repeat(32))), "the receipt's transaction is stored");
  const ttl = Number(redis.cli("PTTL", keys[0]).trim());
  assert.ok(ttl > 23 * 3600 * 1000, `settled markers are kept for a day by default (pttl ${ttl})`);
});

test("a payment that was not settled is released in Redis and may be presented again at either replica", async () => {
  upstream.requests.length = 0;
  facilitator.calls.length = 0;
  facilitator.script.verify = () => ({ body: { isValid: false, invalidReason: "insufficient_funds" } });
  try {
    const c = await challenge(replicas[0].url("/paid"));
    const header = paymentHeader(2, c.v2, { nonce: "3".repeat(64) });
    assert.equal((await fetch(replicas[0].url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } })).status, 402);
    facilitator.script.verify = undefined;
    const second = await fetch(replicas[1].url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(second.status, 200);
    assert.equal(settles(), 1);
  } finally {
    facilitator.script.verify = undefined;
  }
});

test("the challenge limit holds across replicas", async () => {
  const limited = await startReplicas(2, { prefix: "x402gw-limit:", limits: "challenges_per_second: 1, challenge_burst: 5" });
  try {
    await until("the limited replicas connected", async () =>
      (await Promise.all(limited.map((g) => fetch(g.admin("/readyz")).then((r) => r.status)))).every((s) => s === 200));
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await fetch(limited[i % 2].url("/paid"))).status);
    const challenged = statuses.filter((s) => s === 402).length;
    // 5 (the burst) plus what one second refills while the test runs; each replica alone would allow 5.
    assert.ok(challenged >= 5 && challenged <= 6, statuses.join(","));
    assert.equal(statuses.filter((s) => s === 429).length, 12 - challenged);
    // free routes never reach the limiter
    for (let i = 0; i < 5; i++) assert.equal((await fetch(limited[i % 2].url("/free"))).status, 200);
  } finally {
    for (const g of limited) await g.stop();
  }
});

test("Redis frozen (answers nothing): priced routes answer 503 at the command deadline; recovery when it answers again", async () => {
  const c = await challenge(replicas[0].url("/paid"));
  redis.pause();
  try {
    const header = paymentHeader(2, c.v2, { nonce: "8".repeat(64) });
    const started = Date.now();
    const res = await fetch(replicas[1].url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error, "state_unavailable");
    assert.ok(elapsed >= 400 && elapsed < 3000, `answered at the 500ms store deadline, not before and not much after (${elapsed}ms)`);
    assert.equal((await fetch(replicas[1].url("/free"))).status, 200);
  } finally {
    redis.resume();
  }
  await until("replica recovered", async () => (await fetch(replicas[1].admin("/readyz"))).status === 200);
  const metrics = await (await fetch(replicas[1].admin("/metrics"))).text();
  assert.match(metrics, /x402gw_state_store_calls_total\{operation="claim",outcome="timeout"\} 1/);
  const header = paymentHeader(2, c.v2, { nonce: "9".repeat(64) });
  assert.equal((await fetch(replicas[1].url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } })).status, 200);
});

test("Redis killed: priced routes answer 503 state_unavailable in time, free routes work; Redis back: recovery without restart", async () => {
  await redis.kill();
  const c = await challenge(replicas[0].url("/paid"));  // challenges_per_second: 0 here: no store call
  for (const [i, g] of replicas.entries()) {
    const header = paymentHeader(2, c.v2, { nonce: String(4 + i).repeat(64) });
    const started = Date.now();
    const res = await fetch(g.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error, "state_unavailable");
    assert.ok(Date.now() - started < 3000, "answered within the store's deadline");
    assert.equal((await fetch(g.url("/free"))).status, 200);
  }
  await until("readiness reports the store", async () => {
    const r = await fetch(replicas[0].admin("/readyz"));
    const body = await r.json();
    return r.status === 503 && body.reasons.some((x) => x.includes("state store"));
  });
  const metrics = await (await fetch(replicas[0].admin("/metrics"))).text();
  assert.match(metrics, /x402gw_state_store_calls_total\{operation="claim",outcome="unavailable"\} [1-9]/);
  assert.match(metrics, /x402gw_state_store_duration_seconds_bucket\{operation="claim"/);

  await redis.restart();
  for (const [i, g] of replicas.entries()) {
    await until("replica " + i + " recovered", async () => (await fetch(g.admin("/readyz"))).status === 200);
    const header = paymentHeader(2, c.v2, { nonce: String(6 + i).repeat(64) });
    const res = await fetch(g.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(res.status, 200);
  }
});
