// 10,000 requests that meet facilitator faults leave no descriptors or memory behind, and never
// release an unsettled answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader } from "../support/gateway.mjs";

const SANITIZED = process.env.X402GW_SANITIZED === "1";
const TOTAL = SANITIZED ? 2000 : 10000;

const fds = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

test(`${TOTAL} requests meeting facilitator faults leak no descriptors or memory`, { timeout: 300000 }, async () => {
  const upstream = await startUpstream();
  // Rotate through the faults: 5xx, garbage, wrong shape, invalid, hang-up, settle failure, settle 5xx.
  const faults = [
    { verify: () => ({ status: 500, raw: "boom" }) },
    { verify: () => ({ raw: "<html>" }) },
    { verify: () => ({ body: { valid: 1 } }) },
    { verify: () => ({ body: { isValid: false, invalidReason: "insufficient_funds" } }) },
    { verify: () => ({ hangUp: true }) },
    { settle: () => ({ body: { success: false, errorReason: "unexpected_settle_error", transaction: "" } }) },
    { settle: () => ({ status: 502, raw: "bad gateway" }) },
  ];
  // The fault is chosen by the payment's own nonce, so /verify and /settle of one request agree.
  const faultOf = (b) => faults[parseInt(b.paymentPayload.payload.authorization.nonce.slice(-4), 16) % faults.length];
  const facilitator = await startFacilitator({
    verify: (b) => (faultOf(b).verify || (() => ({ body: { isValid: true, payer: "0x1" } })))(b),
    settle: (b) => (faultOf(b).settle || (() => ({ body: { success: true, transaction: "0x1" } })))(b),
  });
  // Every request must meet its fault: the breaker (facilitator_failover.test.mjs) stays closed.
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, facilitatorExtra: ", breaker: { failures: 1000 }",
                                             routes: `  - { match: "GET /paid", price: "$0.01" }` }));
  try {
    const { v2 } = await challenge(gw.url("/paid"));
    const run = async (count) => {
      const statuses = {};
      const worker = async () => {
        while (count-- > 0) {
          const res = await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, v2) } });
          const text = await res.text();
          statuses[res.status] = (statuses[res.status] || 0) + 1;
          assert.notEqual(res.status, 200, "no fault lets an unsettled answer out");
          assert.ok(!text.includes('"ok":true'), "the upstream's body never leaks");
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      return statuses;
    };
    await run(500);  // warm up pools and allocator
    await new Promise((r) => setTimeout(r, 300));
    const fdBefore = fds(gw.pid), rssBefore = rssKiB(gw.pid);
    const statuses = await run(TOTAL);
    await new Promise((r) => setTimeout(r, 500));
    const fdAfter = fds(gw.pid), rssAfter = rssKiB(gw.pid);
    assert.deepEqual(Object.keys(statuses).sort(), ["402", "502", "503"]);
    // Pools may still fill up to their caps (16 idle facilitator connections per worker thread);
    // a leak would grow with the number of requests (thousands here).
    assert.ok(fdAfter <= fdBefore + 2 * 16, `descriptors ${fdBefore} -> ${fdAfter}`);
    if (!SANITIZED) assert.ok(rssAfter - rssBefore < 8 * 1024, `RSS ${rssBefore} -> ${rssAfter} KiB over ${TOTAL} requests`);
  } finally {
    await gw.stop();
    await upstream.close();
    await facilitator.close();
  }
});
