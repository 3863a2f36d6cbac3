// End to end on Polygon: anvil poses as chain 137 with the test token planted at Polygon's USDC
// address (EIP-712 name "USD Coin", as the gateway advertises it). The v1 reference client
// (x402-fetch, network "polygon") and the v2 reference client (@x402/fetch, "eip155:137") pay
// through the real gateway; the reference facilitator verifies and settles on the local chain.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack, ACCOUNTS, POLYGON_USDC } from "../../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { v1Fetch, v2Fetch, recordingFetch, decodePaymentResponseHeader } from "../../packaging/localstack/lib/clients.mjs";
import { startGateway } from "../support/gateway.mjs";

const PRICE = 10_000n;  // "$0.01" in USDC's 6 decimals
let stack, api, gw;

before(async () => {
  stack = await startStack({ chain: "polygon" });
  api = await startDemoUpstream();
  gw = await startGateway(`listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${stack.facilitatorUrl}", timeout: 15s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: polygon }
routes:
  # on_repeat: refuse (the default, written out): a replay of a delivered payment is refused here;
  # a landed payment whose answer was never delivered is served once (R2): repeat_rules.test.mjs.
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather", on_repeat: refuse }
  - { match: "GET /api/joke", price: "$0.01", network: "eip155:137", on_repeat: refuse }
`);
});

after(async () => {
  await gw?.stop();
  await api?.close();
  await stack?.stop();
});

async function balances() {
  return { buyer: await stack.balanceOf(ACCOUNTS.buyer.address), seller: await stack.balanceOf(ACCOUNTS.seller.address) };
}

const clients = {
  v2: (fetchImpl) => v2Fetch(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient, fetchImpl),
  v1: (fetchImpl) => v1Fetch(stack.wallet(ACCOUNTS.buyer.key), 100_000n, fetchImpl),
};
const receiptHeader = { v2: "payment-response", v1: "x-payment-response" };
const paymentHeaderName = { v2: "PAYMENT-SIGNATURE", v1: "X-PAYMENT" };

test("the 402 names Polygon's USDC: v1 by name, v2 by CAIP-2 id", async () => {
  for (const path of ["/api/weather", "/api/joke"]) {
    const res = await fetch(gw.url(path));
    assert.equal(res.status, 402);
    const v1 = (await res.json()).accepts[0];
    assert.equal(v1.network, "polygon");
    assert.equal(v1.asset.toLowerCase(), POLYGON_USDC);
    assert.equal(v1.maxAmountRequired, String(PRICE));
    assert.deepEqual(v1.extra, { name: "USD Coin", version: "2" });
    const v2 = JSON.parse(Buffer.from(res.headers.get("payment-required"), "base64").toString()).accepts[0];
    assert.equal(v2.network, "eip155:137");
    assert.equal(v2.asset.toLowerCase(), POLYGON_USDC);
    assert.equal(v2.amount, String(PRICE));
  }
});

for (const version of ["v1", "v2"]) {
  for (const path of ["/api/weather", "/api/joke"]) {
    test(`${version} ${path} on Polygon: 402, then 200 with a receipt; exactly the price moves; served once; replay refused`, async () => {
      const first = await fetch(gw.url(path));
      assert.equal(first.status, 402);

      const servedBefore = api.served[path] || 0;
      const start = await balances();
      const recorder = recordingFetch();
      const res = await clients[version](recorder)(gw.url(path));
      assert.equal(res.status, 200, await res.clone().text());
      await res.json();
      const receipt = decodePaymentResponseHeader(res.headers.get(receiptHeader[version]));
      assert.equal(receipt.success, true);
      assert.equal(receipt.network, version === "v1" ? "polygon" : "eip155:137");
      assert.match(receipt.transaction, /^0x[0-9a-f]{64}$/);
      assert.equal(receipt.payer.toLowerCase(), ACCOUNTS.buyer.address.toLowerCase());
      const tx = await stack.publicClient.getTransactionReceipt({ hash: receipt.transaction });
      assert.equal(tx.status, "success");
      assert.equal(tx.to.toLowerCase(), POLYGON_USDC);
      assert.equal(await stack.publicClient.getChainId(), 137);

      const end = await balances();
      assert.equal(start.buyer - end.buyer, PRICE);
      assert.equal(end.seller - start.seller, PRICE);
      assert.equal((api.served[path] || 0) - servedBefore, 1);

      assert.equal(recorder.sent.length, 1);
      const replay = await fetch(gw.url(path), { headers: { [paymentHeaderName[version]]: recorder.sent[0] } });
      assert.equal(replay.status, 402);
      assert.notEqual((await replay.json()).error, "payment_required");
      assert.equal((api.served[path] || 0) - servedBefore, 1);
      assert.deepEqual(await balances(), end);
    });
  }
}
