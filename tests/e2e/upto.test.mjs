// End to end, metered payments (`scheme: upto`) through the gateway on a local anvil chain: the
// reference @x402/fetch client with the @x402/evm 2.27 upto client signs a Permit2 transfer for the
// route's maximum; the reference upto facilitator settles, through the test Permit2 and x402 upto
// proxy planted at their canonical addresses, the amount the upstream named in Settlement-Overrides
// (a header, or a trailer of a chunked answer). Every case reads the balances on chain: the buyer
// pays exactly the named amount, never more than the maximum, and once; an upstream failure
// charges nothing; a settlement whose answer came too late is reconciled for the same amount.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { v2UptoClient, v2UptoFetch, recordingFetch, decodePaymentResponseHeader, decodePaymentRequiredHeader,
         encodePaymentSignatureHeader } from "../../packaging/localstack/lib/clients.mjs";
import { permit2NonceUsed } from "../../packaging/localstack/lib/permit2.mjs";
import { startGateway } from "../support/gateway.mjs";
import { metric, waitFor } from "../support/raw.mjs";

const MAX = 50_000n;  // the routes' price, "$0.05": the maximum a buyer authorizes
let stack, meter, facilitator, gw, stateDir;

// The upstream: it knows nothing of payments, and names what a request costs as the reference
// middlewares' handlers do. ?charge= is the override's amount, written as is; ?via=header (the
// default) or trailer (a chunked answer whose trailer carries it) or none; ?status= its status.
function startMeteredUpstream() {
  const served = {};
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://meter");
    served[url.pathname] = (served[url.pathname] || 0) + 1;
    const status = Number(url.searchParams.get("status") || 200);
    const charge = url.searchParams.get("charge");
    const via = url.searchParams.get("via") || "header";
    const override = charge === null ? null : JSON.stringify({ amount: charge });
    const body = JSON.stringify({ path: url.pathname, served: served[url.pathname] });
    if (via === "trailer") {
      // A chunked answer sent in two writes; as server-sent events (?sse=1), the body is two events.
      const sse = url.searchParams.has("sse");
      const parts = sse ? [`data: {"delta":"Hello"}\n\n`, `data: ${body}\n\n`] : [body.slice(0, 5), body.slice(5)];
      res.writeHead(status, { "content-type": sse ? "text/event-stream" : "application/json", "transfer-encoding": "chunked", trailer: "Settlement-Overrides" });
      res.write(parts[0]);
      setTimeout(() => {
        res.write(parts[1]);
        if (override) res.addTrailers({ "Settlement-Overrides": override });
        res.end();
      }, 20);
      return;
    }
    const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
    if (override && via === "header") headers["settlement-overrides"] = override;
    res.writeHead(status, headers);
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, served,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  })));
}

// The facilitator behind a proxy that records every /settle body and can hold the next /settle's
// answer (it forwards at once, so the settlement really happens) past the gateway's timeout, or
// never send it ("never").
function startFacilitatorProxy(target) {
  const settles = [];
  const proxy = { settles, holdNextSettle: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      try {
        if (req.url === "/settle") settles.push(JSON.parse(body.toString()));
        const answer = await fetch(target + req.url, { method: req.method, headers: { "content-type": "application/json" }, body: req.method === "POST" ? body : undefined });
        const text = await answer.text();
        if (req.url === "/settle" && proxy.holdNextSettle) {
          const hold = proxy.holdNextSettle;
          proxy.holdNextSettle = 0;
          if (hold === "never") return;  // settled, and silent until the gateway gives up
          await new Promise((r) => setTimeout(r, hold));
        }
        if (!res.destroyed) {
          res.writeHead(answer.status, { "content-type": "application/json" });
          res.end(text);
        }
      } catch {
        res.destroy();
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(Object.assign(proxy, {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  }))));
}

before(async () => {
  stack = await startStack();
  meter = await startMeteredUpstream();
  facilitator = await startFacilitatorProxy(stack.facilitatorUrl);
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-e2e-upto-"));
  gw = await startGateway(`listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
state: { dir: "${stateDir}" }
upstreams: { api: "${meter.url}" }
facilitators: { local: { url: "${facilitator.url}", timeout: 2s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
chains: { base-sepolia: { rpc: "${stack.rpcUrl}" } }
routes:
  - { match: "GET /meter/*", scheme: upto, price: "$0.05" }
`);
  // The 402 names the facilitator's address once /supported answered: ready means it did.
  assert.ok(await waitFor(async () => (await fetch(gw.admin("/readyz"))).status === 200, { ms: 15000 }), gw.stderr());
});

after(async () => {
  await gw?.stop();
  await facilitator?.close();
  await meter?.close();
  await stack?.stop();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

async function balances() {
  return { buyer: await stack.balanceOf(ACCOUNTS.buyer.address), seller: await stack.balanceOf(ACCOUNTS.seller.address) };
}

/** Runs `fn` and returns what it moved on chain: {paid by the buyer, earned by the seller}. */
async function moved(fn) {
  const start = await balances();
  const result = await fn();
  const end = await balances();
  return { result, paid: start.buyer - end.buyer, earned: end.seller - start.seller };
}

const buyerWallet = () => stack.wallet(ACCOUNTS.buyer.key);

/** The payment header the reference client sends for the 402 that `path` answers. */
async function paymentFor(path) {
  const challenge = await fetch(gw.url(path));
  assert.equal(challenge.status, 402);
  const required = decodePaymentRequiredHeader(challenge.headers.get("payment-required"));
  const payload = await v2UptoClient(buyerWallet(), stack.publicClient).createPaymentPayload(required);
  return { header: encodePaymentSignatureHeader(payload), payload };
}

/** A GET with node's http client, which shows trailers: {status, headers, trailers, body}. */
function rawGet(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(gw.url(path), { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, trailers: res.trailers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** The settle bodies sent since `from` (an index into facilitator.settles): their amounts. */
const settledAmounts = (from) => facilitator.settles.slice(from).map((b) => b.paymentRequirements.amount);

test("the 402 offers upto for the maximum, with the facilitator's address from /supported", async () => {
  const res = await fetch(gw.url("/meter/offer"));
  assert.equal(res.status, 402);
  const required = decodePaymentRequiredHeader(res.headers.get("payment-required"));
  assert.equal(required.accepts.length, 1);
  const [offer] = required.accepts;
  assert.equal(offer.scheme, "upto");
  assert.equal(offer.network, `eip155:${stack.chainId}`);
  assert.equal(offer.amount, String(MAX));
  assert.equal(offer.asset.toLowerCase(), stack.token.toLowerCase());
  assert.equal(offer.extra.facilitatorAddress.toLowerCase(), ACCOUNTS.facilitator.address.toLowerCase());
  assert.equal(meter.served["/meter/offer"], undefined, "no upstream call before payment");
});

for (const [form, override, charged, path] of [
  ["atomic units", "21300", 21_300n, "/meter/atomic"],
  ["dollars", "$0.0213", 21_300n, "/meter/dollars"],
  ["a percentage of the maximum", "50%", 25_000n, "/meter/percent"],
]) {
  test(`Settlement-Overrides in ${form} (${override}): the reference client pays exactly ${charged}, once; the header never reaches it`, async () => {
    const settles = facilitator.settles.length;
    const recorder = recordingFetch();
    const { result: res, paid, earned } = await moved(async () => {
      const answer = await v2UptoFetch(buyerWallet(), stack.publicClient, recorder)(gw.url(`${path}?charge=${encodeURIComponent(override)}`));
      await answer.clone().text();
      return answer;
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await res.json()).path, path);
    assert.equal(res.headers.get("settlement-overrides"), null, "the override is for the gateway, not the buyer");
    const receipt = decodePaymentResponseHeader(res.headers.get("payment-response"));
    assert.equal(receipt.success, true);
    assert.equal(receipt.amount, String(charged), "the receipt names what was charged");
    assert.equal((await stack.publicClient.getTransactionReceipt({ hash: receipt.transaction })).status, "success");
    assert.equal(paid, charged);
    assert.equal(earned, charged);
    assert.equal(meter.served[path], 1);
    assert.deepEqual(settledAmounts(settles), [String(charged)]);

    // The same payment again (on_repeat: refuse): refused, no upstream call, nothing charged.
    assert.equal(recorder.sent.length, 1);
    const replay = await moved(() => fetch(gw.url(`${path}?charge=${encodeURIComponent(override)}`), { headers: { "PAYMENT-SIGNATURE": recorder.sent[0] } }));
    assert.equal(replay.result.status, 402);
    assert.equal((await replay.result.json()).error, "payment_already_used");
    assert.equal(replay.paid, 0n);
    assert.equal(meter.served[path], 1);
    assert.equal(facilitator.settles.length, settles + 1);
  });
}

test("an upstream that names no charge (and no meter on the route): the maximum is settled, as the reference middleware does", async () => {
  const path = "/meter/unnamed";
  const { header } = await paymentFor(path);
  const { result: res, paid, earned } = await moved(() => rawGet(path, { "PAYMENT-SIGNATURE": header }));
  assert.equal(res.status, 200, res.body);
  assert.equal(paid, MAX);
  assert.equal(earned, MAX);
});

for (const [kind, path, query] of [["a chunked JSON answer", "/meter/trailer", "via=trailer"], ["a server-sent event stream", "/meter/sse", "via=trailer&sse=1"]]) {
  test(`${kind} names the charge in a trailer: charged exactly that, and the trailer is not relayed`, async () => {
    const { header, payload } = await paymentFor(path);
    const { result: res, paid, earned } = await moved(() => rawGet(`${path}?${query}&charge=12345`, { "PAYMENT-SIGNATURE": header }));
    assert.equal(res.status, 200, res.body);
    const last = query.includes("sse") ? res.body.trim().split("\n\n").pop().replace(/^data: /, "") : res.body;
    assert.equal(JSON.parse(last).path, path, "the whole body arrives");
    assert.equal(res.trailers["settlement-overrides"], undefined);
    assert.equal(res.headers["settlement-overrides"], undefined);
    assert.equal(paid, 12_345n);
    assert.equal(earned, 12_345n);
    assert.equal(await permit2NonceUsed(stack.publicClient, ACCOUNTS.buyer.address, payload.payload.permit2Authorization.nonce), true);
    const receipt = res.trailers["payment-response"] || res.headers["payment-response"];
    assert.equal(decodePaymentResponseHeader(receipt).amount, "12345");
  });
}

test("an override above the maximum is clamped: the maximum is charged, never more", async () => {
  const path = "/meter/clamped";
  const settles = facilitator.settles.length;
  const { header } = await paymentFor(path);
  const { result: res, paid, earned } = await moved(() => rawGet(`${path}?charge=99000`, { "PAYMENT-SIGNATURE": header }));
  assert.equal(res.status, 200, res.body);
  assert.equal(res.headers["settlement-overrides"], undefined);
  assert.equal(paid, MAX);
  assert.equal(earned, MAX);
  assert.deepEqual(settledAmounts(settles), [String(MAX)], "the facilitator is asked for the maximum, not the override");
  assert.equal(decodePaymentResponseHeader(res.headers["payment-response"]).amount, String(MAX));
  assert.equal(await metric(gw, 'x402gw_settle_amounts_total{route="GET /meter/*",decision="clamped"}'), 1, "counted");
});

for (const status of [500, 404]) {
  test(`an upstream answer ${status}, even naming a charge: nothing is charged, the authorization stays unused`, async () => {
    const path = `/meter/fails-${status}`;
    const settles = facilitator.settles.length;
    const { header, payload } = await paymentFor(path);
    const { result: res, paid } = await moved(() => rawGet(`${path}?status=${status}&charge=30000`, { "PAYMENT-SIGNATURE": header }));
    assert.equal(res.status, status);
    assert.equal(res.headers["settlement-overrides"], undefined);
    assert.equal(paid, 0n);
    assert.equal(facilitator.settles.length, settles, "no /settle");
    assert.equal(await permit2NonceUsed(stack.publicClient, ACCOUNTS.buyer.address, payload.payload.permit2Authorization.nonce), false);
  });
}

test("a zero charge settles nothing: served, the balance unchanged, the authorization unused", async () => {
  const path = "/meter/free";
  const { header, payload } = await paymentFor(path);
  const { result: res, paid } = await moved(() => rawGet(`${path}?charge=0`, { "PAYMENT-SIGNATURE": header }));
  assert.equal(res.status, 200, res.body);
  assert.equal(paid, 0n);
  assert.equal(await permit2NonceUsed(stack.publicClient, ACCOUNTS.buyer.address, payload.payload.permit2Authorization.nonce), false);
  assert.equal(decodePaymentResponseHeader(res.headers["payment-response"]).amount, "0");
  // It bought that answer: presented again, it is used up, and still nothing moves.
  const again = await moved(() => rawGet(`${path}?charge=0`, { "PAYMENT-SIGNATURE": header }));
  assert.equal(again.result.status, 402);
  assert.equal(JSON.parse(again.result.body).error, "payment_already_used");
  assert.equal(again.paid, 0n);
});

test("a malformed override is an upstream error: nothing is charged", async () => {
  const path = "/meter/malformed";
  const { header } = await paymentFor(path);
  const { result: res, paid } = await moved(() => rawGet(`${path}?charge=lots`, { "PAYMENT-SIGNATURE": header }));
  assert.equal(res.status, 502, res.body);
  assert.equal(JSON.parse(res.body).error, "invalid_settlement_override");
  assert.equal(paid, 0n);
});

const lateReceipts = [];
for (const [how, hold, path, charge] of [["answers too late", 4000, "/meter/late", 15_000n], ["never answers", "never", "/meter/silent", 16_000n]]) {
  test(`a settlement that lands but ${how}: reconciled on chain for the same amount, served again once, charged once`, async () => {
    const settles = facilitator.settles.length;
    const reconciled = await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}');
    const evidence = await metric(gw, 'x402gw_reconciliation_evidence_total{family="evm",finding="landed"}');
    const start = await balances();
    const { header } = await paymentFor(path);
    facilitator.holdNextSettle = hold;  // past the gateway's 2 s facilitator timeout
    const res = await rawGet(`${path}?charge=${charge}`, { "PAYMENT-SIGNATURE": header });
    assert.equal(res.status, 504, res.body);
    assert.equal(JSON.parse(res.body).error, "facilitator_timeout");
    assert.ok(await waitFor(async () => (await balances()).buyer === start.buyer - charge), "it landed, for the named amount");
    assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}')) > reconciled, { ms: 20000 }), gw.stderr());

    // The facilitator, asked again, cannot tell (the nonce is spent): the chain proved it landed.
    assert.ok(await metric(gw, 'x402gw_reconciliation_evidence_total{family="evm",finding="landed"}') > evidence);

    const again = await rawGet(`${path}?charge=${charge}`, { "PAYMENT-SIGNATURE": header });
    assert.equal(again.status, 200, again.body);
    assert.equal(again.headers["settlement-overrides"], undefined, "served again, the override is still the gateway's");
    const receipt = decodePaymentResponseHeader(again.headers["payment-response"]);
    assert.equal(receipt.success, true);
    lateReceipts.push([receipt, charge]);
    assert.equal(meter.served[path], 2, "the answer that never went out is served once more (R2)");
    const end = await balances();
    assert.equal(start.buyer - end.buyer, charge, "charged exactly once");
    assert.equal(end.seller - start.seller, charge);
    // The request's /settle and the reconciler's, sent again from the journal: the same amount.
    const amounts = settledAmounts(settles);
    assert.ok(amounts.length >= 2, JSON.stringify(amounts));
    assert.deepEqual([...new Set(amounts)], [String(charge)]);
  });
}

// The receipt of a payment proven landed on chain is built by the reconciler (the facilitator's own
// answer came too late to be kept): it names the amount settled all the same.
test("the receipt of a reconciled upto payment names the amount settled", () => {
  assert.equal(lateReceipts.length, 2);
  for (const [receipt, charge] of lateReceipts) assert.equal(receipt.amount, String(charge));
});
