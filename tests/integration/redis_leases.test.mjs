// Claims in Redis under Redis faults, against the real gateway and a real redis-server:
// - SCRIPT FLUSH while a long paid request holds its claim: the renewals reload their script
//   (NOSCRIPT fallback), the claim is kept, and a second presentation never reaches the upstream;
// - Redis crashes (and comes back empty) while an unknown settlement outcome is being recorded: the
//   write is retried once Redis answers again, so the payment stays pending instead of becoming
//   claimable as new. (A freeze is not this fault: the write queued on the old connection is still
//   applied when Redis wakes.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader } from "../support/gateway.mjs";
import { startRedis } from "../support/redis.mjs";
import { metric, waitFor, sleep } from "../support/raw.mjs";

let redis, upstream, facilitator, gw, stateDir;
let settleMode = "ok";

before(async () => {
  redis = await startRedis();
  upstream = await startUpstream((req, res) => {
    const answer = () => { res.setHeader("content-type", "application/json"); res.end(JSON.stringify({ ok: true })); };
    if (req.url === "/slow") return setTimeout(answer, 5000);  // longer than a whole claim lease
    answer();
  });
  facilitator = await startFacilitator({
    settle: (b) => {
      const ok = { body: { success: true, transaction: "0x" + "ab".repeat(32), network: b.paymentRequirements.network } };
      if (settleMode === "hang") return { ...ok, delayMs: 2500 };
      return ok;
    },
  });
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-leases-"));
  gw = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    facilitatorExtra: ", timeout: 1s",
    upstreamExtra: ", timeout: 10s",
    extra: `state:
  store: redis
  url: "${redis.url}"
  key_prefix: "leases:"
  timeout: 300ms
  connect_timeout: 300ms
  claim_lease: 3s
  dir: "${stateDir}"`,
    routes: `  - { match: "GET /slow", price: "$0.01" }
  - { match: "GET /paid", price: "$0.01" }`,
  }).replace(/timeout: 2s, timeout: 1s/, "timeout: 1s"));
  assert.ok(await waitFor(async () => (await fetch(gw.admin("/readyz"))).status === 200), gw.stderr());
});

after(async () => {
  await gw?.stop();
  await upstream?.close();
  await facilitator?.close();
  await redis?.stop();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

const hits = (p) => upstream.requests.filter((r) => r.url === p).length;
const pay = (p, header) => fetch(gw.url(p), { headers: { "PAYMENT-SIGNATURE": header } });
const claimKeys = () => redis.cli("--scan", "--pattern", "leases:claim:*").trim().split("\n").filter(Boolean);

test("SCRIPT FLUSH during a long paid request: its lease is still renewed, a second presentation is refused in flight and never reaches the upstream", async () => {
  const c = await challenge(gw.url("/slow"));
  const header = paymentHeader(2, c.v2);
  const first = pay("/slow", header);
  assert.ok(await waitFor(() => hits("/slow") === 1, { ms: 3000 }));
  assert.match(redis.cli("SCRIPT", "FLUSH"), /OK/);
  await sleep(3800);  // past the 3 s lease: only renewals keep the claim
  const second = await pay("/slow", header);
  assert.equal(second.status, 402);
  assert.equal((await second.json()).error, "payment_in_flight");
  assert.equal(hits("/slow"), 1, "the second presentation never reaches the upstream");
  const done = await first;
  assert.equal(done.status, 200);
  assert.equal(hits("/slow"), 1);
  assert.equal(await metric(gw, 'x402gw_claim_lease_events_total{event="lease_lost"}'), 0);
});

test("Redis crashes while an unknown outcome is recorded: the write is retried when it is back, the payment stays pending and is never verified again", async () => {
  const c = await challenge(gw.url("/paid"));
  const header = paymentHeader(2, c.v2);
  const before = claimKeys();
  const settles = facilitator.calls.filter((x) => x.endpoint === "settle").length;
  // Every /settle hangs past its timeout, the reconciler's too: the outcome stays unknown throughout.
  settleMode = "hang";
  try {
    let answer;
    try {
      const first = pay("/paid", header);
      assert.ok(await waitFor(() => facilitator.calls.filter((x) => x.endpoint === "settle").length > settles, { ms: 5000 }));
      await redis.kill();  // the unknown marker is written after the 1 s settle timeout: nobody takes it
      answer = await first;
      await sleep(1000);
    } finally {
      await redis.restart();  // empty: the claim is gone with it
    }
    assert.ok([502, 504].includes(answer.status), String(answer.status));
    await stillPending(before, header);
  } finally {
    settleMode = "ok";
  }
});

// The payment's claim key reads "U:" (retried into Redis), and presenting it again is pending.
async function stillPending(before, header) {
  const key = claimKeys().find((k) => !before.includes(k)) ?? null;
  const marker = () => {
    const keys = claimKeys().filter((k) => !before.includes(k));
    return keys.length === 1 ? redis.cli("GET", keys[0]).trim() : "";
  };
  assert.ok(await waitFor(() => marker() === "U:", { ms: 10000 }), `claim: ${key} = ${marker()}\n${gw.stderr().slice(-3000)}`);
  const verifies = facilitator.calls.filter((x) => x.endpoint === "verify").length;
  const again = await pay("/paid", header);
  assert.equal(again.status, 402);
  assert.equal((await again.json()).error, "payment_pending");
  assert.equal(facilitator.calls.filter((x) => x.endpoint === "verify").length, verifies, "not verified again");
  assert.ok((await metric(gw, 'x402gw_claim_lease_events_total{event="record_retried"}')) >= 1);
}
