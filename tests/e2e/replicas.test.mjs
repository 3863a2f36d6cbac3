// End to end, several replicas: two gateway processes share one real redis-server; the reference
// client signs, the reference facilitator logic settles on a local anvil chain. One payment
// presented 50 times over both replicas moves the price once and reaches the upstream once per answer served.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { v1Fetch, v2Fetch } from "../../packaging/localstack/lib/clients.mjs";
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

for (const version of ["v2", "v1"]) {
  test(`${version}: 50 presentations of one payment over two replicas -> one settlement on chain, one upstream hit; refused as used at either replica afterwards, never settled again`, async () => {
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
    // One settles and is served; the others arrive while it is in flight (402 payment_in_flight) or
    // after its answer was delivered (402 payment_already_used: R3).
    const ok = results.filter((r) => r.status === 200).length;
    assert.equal(ok, 1, JSON.stringify(results.map((r) => r.status)));
    for (const r of results.filter((r) => r.status !== 200)) {
      assert.equal(r.status, 402, r.text);
      assert.ok(["payment_in_flight", "payment_already_used"].includes(JSON.parse(r.text).error), r.text);
    }
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1, "one upstream hit");
    assert.equal(stack.facilitatorCalls.settle - settlesBefore, 1, "one settlement");
    const end = await balances();
    assert.equal(start.buyer - end.buyer, PRICE);
    assert.equal(end.seller - start.seller, PRICE);

    // The same payment again, at each replica: its delivery is known from Redis, never served or settled again.
    for (const g of replicas) {
      const again = await fetch(g.url("/api/weather"), { headers: { [paymentHeaderName[version]]: header } });
      assert.equal(again.status, 402, await again.clone().text());
      assert.equal((await again.json()).error, "payment_already_used");
    }
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1);
    assert.equal(stack.facilitatorCalls.settle - settlesBefore, 1);
    assert.deepEqual(await balances(), end);
  });
}
