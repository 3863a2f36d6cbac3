// End to end, several replicas: two gateway processes share one real redis-server; the reference
// client signs, the reference facilitator logic settles on a local anvil chain. One payment
// presented 50 times over both replicas moves the price once and reaches the upstream once per answer served.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { v1Fetch, v2Fetch, decodePaymentResponseHeader } from "../../packaging/localstack/lib/clients.mjs";
import { startGateway } from "../support/gateway.mjs";
import { startRedis } from "../support/redis.mjs";

const PRICE = 10_000n;  // "$0.01" in USDC's 6 decimals
let stack, api, redis, replicas = [];

before(async () => {
  stack = await startStack();
  api = await startDemoUpstream();
  redis = await startRedis();
  for (let i = 0; i < 2; i++)
    replicas.push(await startGateway(`listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }    # every client here is 127.0.0.1
state: { store: redis, url: "${redis.url}", key_prefix: "e2e:" }
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${stack.facilitatorUrl}", timeout: 15s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
routes:
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather" }
`));
  for (const g of replicas)
    for (let i = 0; (await fetch(g.admin("/readyz"))).status !== 200; i++) {
      if (i > 150) throw new Error("a replica did not become ready:\n" + g.stderr());
      await new Promise((r) => setTimeout(r, 100));
    }
});

after(async () => {
  for (const g of replicas) await g.stop();
  await api?.close();
  await redis?.stop();
  await stack?.stop();
});

async function balances() {
  return { buyer: await stack.balanceOf(ACCOUNTS.buyer.address), seller: await stack.balanceOf(ACCOUNTS.seller.address) };
}

// A fetch that captures the signed payment and does not send it.
function capturingFetch() {
  const captured = [];
  const f = async (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get("payment-signature") || request.headers.get("x-payment");
    if (header) {
      captured.push(header);
      return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
    }
    return fetch(request);
  };
  f.captured = captured;
  return f;
}

const clients = {
  v2: (fetchImpl) => v2Fetch(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient, fetchImpl),
  v1: (fetchImpl) => v1Fetch(stack.wallet(ACCOUNTS.buyer.key), 100_000n, fetchImpl),
};
const paymentHeaderName = { v2: "PAYMENT-SIGNATURE", v1: "X-PAYMENT" };
const receiptHeader = { v2: "payment-response", v1: "x-payment-response" };

for (const version of ["v2", "v1"]) {
  test(`${version}: 50 presentations of one payment over two replicas -> one settlement on chain, one upstream hit; served again at the other replica, never settled again`, async () => {
    const capture = capturingFetch();
    await clients[version](capture)(replicas[0].url("/api/weather"));
    assert.equal(capture.captured.length, 1);
    const header = capture.captured[0];
    const servedBefore = api.served["/api/weather"] || 0;
    const start = await balances();
    const settlesBefore = stack.facilitatorCalls.settle;

    const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      fetch(replicas[i % 2].url("/api/weather"), { headers: { [paymentHeaderName[version]]: header } })
        .then(async (r) => ({ status: r.status, text: await r.text() }))));
    // One settles; the others arrive while it is in flight (402 payment_in_flight) or after it
    // settled (served again with its receipt, no second charge).
    const ok = results.filter((r) => r.status === 200).length;
    assert.ok(ok >= 1, JSON.stringify(results.map((r) => r.status)));
    for (const r of results.filter((r) => r.status !== 200)) {
      assert.equal(r.status, 402, r.text);
      assert.equal(JSON.parse(r.text).error, "payment_in_flight", r.text);
    }
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, ok, "one upstream hit per answer served");
    assert.equal(stack.facilitatorCalls.settle - settlesBefore, 1, "one settlement");
    const end = await balances();
    assert.equal(start.buyer - end.buyer, PRICE);
    assert.equal(end.seller - start.seller, PRICE);

    // The same payment again, at each replica: served again from the receipt in Redis, never settled again.
    const receipts = [];
    for (const g of replicas) {
      const again = await fetch(g.url("/api/weather"), { headers: { [paymentHeaderName[version]]: header } });
      assert.equal(again.status, 200, await again.clone().text());
      receipts.push(decodePaymentResponseHeader(again.headers.get(receiptHeader[version])).transaction);
    }
    assert.match(receipts[0], /^0x[0-9a-f]{64}$/);
    assert.equal(receipts[0], receipts[1]);
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, ok + 2);
    assert.equal(stack.facilitatorCalls.settle - settlesBefore, 1);
    assert.deepEqual(await balances(), end);
  });
}
